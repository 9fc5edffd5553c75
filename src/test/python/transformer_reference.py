"""Reference for the transformer's end-to-end test: images, weights and torchvision's logits.

Writes into --out-dir, seeded:
  images/*.{jpg,png}   generated with PIL: natural-ish content (smooth colour fields, shapes,
                       noise) in several sizes and modes (RGB, L, P, RGBA; JPEG and PNG)
  weights.safetensors  torchvision --arch with seeded weights and randomised BatchNorm
  logits.json          {file name: logits} from torchvision's eval pipeline on PIL images:
                       Image.open(f).convert("RGB") -> Resize(256) -> CenterCrop(224) ->
                       ToTensor() -> Normalize(ImageNet mean, std) -> model (eval, float32)

Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, python3-pil).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image, ImageDraw
from torchvision import transforms

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "jobs" / "tools"))
import torchvision_safetensors as st  # noqa: E402

IMAGES = [  # name, width, height, PIL mode, format options
    ("photo-landscape.jpg", 500, 375, "RGB", {"quality": 90}),
    ("photo-portrait.jpg", 375, 500, "RGB", {"quality": 85, "progressive": True}),
    ("small.jpg", 180, 120, "RGB", {"quality": 95, "subsampling": 0}),
    ("square.png", 256, 256, "RGB", {}),
    ("wide.png", 640, 200, "RGB", {}),
    ("gray.png", 300, 260, "L", {}),
    ("palette.png", 240, 320, "P", {}),
    ("alpha.png", 260, 240, "RGBA", {}),
    ("gray.jpg", 320, 240, "L", {"quality": 90}),
]


def natural_image(width, height, rng):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(1, 5), rng.uniform(1, 5), rng.uniform(0, 6.3)
        channels.append(128 + 90 * np.sin(fx * x / width * 6.28 + phase) * np.cos(fy * y / height * 6.28))
    pixels = np.stack(channels, axis=-1) + rng.normal(0, 12, (height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        x1, y1 = x0 + rng.integers(10, width // 2), y0 + rng.integers(10, height // 2)
        draw.ellipse([x0, y0, x1, y1], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return image


def write_images(directory, seed):
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name, width, height, mode, options in IMAGES:
        image = natural_image(width, height, rng)
        if mode == "L":
            image = image.convert("L")
        elif mode == "P":
            image = image.convert("P", palette=Image.ADAPTIVE, colors=64)
        elif mode == "RGBA":
            alpha = Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8), "L")
            image = image.copy()
            image.putalpha(alpha)
        image.save(directory / name, **options)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="resnet18")
    ap.add_argument("--num-classes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out-dir", type=Path, required=True)
    args = ap.parse_args()

    torch.set_num_threads(1)
    images = args.out_dir / "images"
    write_images(images, args.seed)

    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, args.arch)(num_classes=args.num_classes).eval()
    st.randomize_resnet_bn_(model, args.seed)
    st.save_safetensors(args.out_dir / "weights.safetensors", model.state_dict())

    pipeline = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    logits = {}
    with torch.no_grad():
        for name, *_ in IMAGES:
            with Image.open(images / name) as image:
                x = pipeline(image.convert("RGB")).unsqueeze(0)
            logits[name] = model(x)[0].tolist()
    (args.out_dir / "logits.json").write_text(json.dumps(logits))


if __name__ == "__main__":
    main()
