"""Decode + preprocess throughput of PIL + torchvision: the Python peer of DecodeBenchmark.

Two commands:

  generate --out-dir DIR [--count N] [--seed S]
      Writes N ImageNet-like JPEGs (500x375 and 375x500 alternately, quality 90,
      4:2:0) made of smooth gradients, soft shapes and sensor-like noise, so that
      each file has a realistic size (~60-120 KB) and decode cost.

  run --dir DIR [--rounds R] [--warmup W]
      Times, on ONE thread (torch.set_num_threads(1)), the torchvision eval
      transform of every JPEG in DIR from its encoded bytes:
      Image.open(BytesIO(b)).convert("RGB") -> Resize(256) -> CenterCrop(224)
      -> ToTensor() -> Normalize(ImageNet mean, std).
      The files are read into memory first, so disk speed is not measured.
      Prints one JSON object: images_per_s is the best of R timed rounds over
      all files (after W untimed rounds), plus the decode-only rate.

  compare JSON...
      Given the JSON lines of several Java (DecodeBenchmark) and Python runs,
      keeps the best run of each engine and prints both and the ratio
      Java/PIL (jobs/benchmark-decode uses it).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jobs" / "tools"))
from script_args import OneLineErrorParser  # noqa: E402



def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _natural_image(rng, width, height):
    """A photo-like RGB image: gradients + blurred shapes + noise (numpy uint8 HWC)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    angle = rng.uniform(0, np.pi)
    t = (np.cos(angle) * x / width + np.sin(angle) * y / height)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    base = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    canvas = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        w, h = rng.uniform(0.05, 0.6) * width, rng.uniform(0.05, 0.6) * height
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.8, 2.5))))
    pixels = np.asarray(canvas).astype(np.float32)
    # Texture: low-frequency mottling plus per-pixel noise, as in real photos.
    mottle = rng.normal(0, 12, (height // 4 + 1, width // 4 + 1, 1)).repeat(4, 0).repeat(4, 1)
    pixels += mottle[:height, :width] + rng.normal(0, 14, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def generate(out_dir: Path, count: int, seed: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(count):
        width, height = (500, 375) if i % 2 == 0 else (375, 500)
        path = out_dir / f"img_{i:04d}.jpg"
        Image.fromarray(_natural_image(rng, width, height)).save(path, quality=90)
        total += path.stat().st_size
    print(json.dumps({"generated": count, "dir": str(out_dir), "mean_kb": round(total / count / 1024, 1)}))


def run(directory: Path, rounds: int, warmup: int) -> None:
    import PIL
    import torch
    import torchvision
    from PIL import Image
    from torchvision import transforms

    torch.set_num_threads(1)
    files = sorted(directory.glob("*.jpg"))
    if not files:
        raise SystemExit(f"no .jpg files in {directory}")
    blobs = [f.read_bytes() for f in files]
    transform = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])

    def full():
        checksum = 0.0
        for blob in blobs:
            tensor = transform(Image.open(io.BytesIO(blob)).convert("RGB"))
            checksum += float(tensor[0, 0, 0])
        return checksum

    def decode_only():
        for blob in blobs:
            Image.open(io.BytesIO(blob)).convert("RGB")

    def best_rate(body):
        for _ in range(warmup):
            body()
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            body()
            best = min(best, time.perf_counter() - start)
        return len(blobs) / best

    with torch.no_grad():
        full_rate = best_rate(full)
    decode_rate = best_rate(decode_only)
    print(json.dumps({
        "engine": "pil+torchvision",
        "pil": PIL.__version__,
        "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "images": len(blobs),
        "images_per_s": round(full_rate, 1),
        "decode_images_per_s": round(decode_rate, 1),
    }))


def compare(lines) -> None:
    best = {}
    for run in (json.loads(line) for line in lines):
        engine = run["engine"]
        if engine not in best or run["images_per_s"] > best[engine]["images_per_s"]:
            best[engine] = run
    java, python = best["java"], best["pil+torchvision"]
    print(json.dumps(java))
    print(json.dumps(python))
    print(f"decode+preprocess, 1 thread: java {java['images_per_s']:.1f} images/s, "
          f"PIL+torchvision {python['images_per_s']:.1f} images/s, "
          f"java/PIL = {java['images_per_s'] / python['images_per_s']:.2f}x")
    print(f"decode only: java {java['decode_images_per_s']:.1f}, PIL {python['decode_images_per_s']:.1f} images/s; "
          f"preprocess only: java {java['preprocess_images_per_s']:.1f} images/s")
    if "uint8_images_per_s" in java:
        saved = 1e6 / java["preprocess_images_per_s"] - 1e6 / java["preprocess_uint8_images_per_s"]
        print(f"to uint8 pixels (the engine normalises): decode+resize+crop {java['uint8_images_per_s']:.1f} images/s,"
              f" resize+crop {java['preprocess_uint8_images_per_s']:.1f} images/s; host time saved per image"
              f" {saved:.0f} us (preprocess to floats {1e6 / java['preprocess_images_per_s']:.0f} us,"
              f" to uint8 {1e6 / java['preprocess_uint8_images_per_s']:.0f} us)")


def main(argv=None) -> int:
    parser = OneLineErrorParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write ImageNet-like JPEGs")
    gen.add_argument("--out-dir", type=Path, required=True)
    gen.add_argument("--count", type=_positive, default=200)
    gen.add_argument("--seed", type=int, default=0)
    timing = commands.add_parser("run", help="time PIL + torchvision on the JPEGs of a folder")
    timing.add_argument("--dir", type=Path, required=True)
    timing.add_argument("--rounds", type=_positive, default=3)
    timing.add_argument("--warmup", type=int, default=1)
    comparison = commands.add_parser("compare", help="best run of each engine and the ratio")
    comparison.add_argument("runs", nargs="+", help="JSON lines of Java and Python runs")
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.out_dir, args.count, args.seed)
    elif args.command == "run":
        run(args.dir, args.rounds, args.warmup)
    else:
        compare(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
