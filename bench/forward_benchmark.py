"""ResNet forward throughput: this project's Java model against torchvision eager and ONNX Runtime
Java, same machine, same run, same thread count, same network and weights.

One seeded torchvision model is exported once (bench/export_onnx.py) as ONNX and as safetensors;
then `jobs/resnet bench --weights`, bench/torchvision_forward.py (same seed, so the same weights)
and bench/OnnxRuntimeForward.java run in alternating rounds (so that a noisy neighbour hurts every
side alike). The table has each side's best round per batch size, the ratios Java / torchvision and
Java / ONNX Runtime, and each process's peak RSS. Invoked by jobs/benchmark-forward; run it with
Debian's /usr/bin/python3 (python3-torch, python3-torchvision).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="resnet50")
    ap.add_argument("--batch-sizes", default="1,8,32")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="intra-op threads for both sides (default: the machine's CPUs)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds (default: 2)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--min-images", type=int, default=32,
                    help="images timed per batch size and round, at least --iters passes (default: 32)")
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--onednn", action="store_true",
                    help="run torchvision through torch.utils.mkldnn (its fastest CPU path)")
    ap.add_argument("--onnxruntime-jar", type=Path, default=None,
                    help="ONNX Runtime's Java jar (jobs/benchmark-forward resolves it); without it no ONNX side")
    ap.add_argument("--seed", type=int, default=0, help="seed of the torchvision weights all sides use")
    return ap.parse_args()


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed:\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="benchmark-forward-") as tmp:
        compare(args, Path(tmp))


def compare(args, tmp: Path):
    onnx, weights = tmp / f"{args.arch}.onnx", tmp / f"{args.arch}.safetensors"
    subprocess.run(["/usr/bin/python3", str(ROOT / "bench" / "export_onnx.py"), "--arch", args.arch,
                    "--seed", str(args.seed), "--onnx", str(onnx), "--safetensors", str(weights)],
                   check=True, stdout=subprocess.DEVNULL)
    common = ["--batch-sizes", args.batch_sizes, "--threads", str(args.threads), "--warmup", str(args.warmup)]
    java = [str(ROOT / "jobs" / "resnet"), "bench", "--arch", args.arch, "--weights", str(weights), *common,
            "--iters", str(args.iters), "--min-images", str(args.min_images)]
    batches = [int(b) for b in args.batch_sizes.split(",")]
    iters = max(args.iters, -(-args.min_images // max(batches)))
    torch = ["/usr/bin/python3", str(ROOT / "bench" / "torchvision_forward.py"), "--arch", args.arch,
             "--seed", str(args.seed), *common, "--iters", str(iters)] + (["--onednn"] if args.onednn else [])
    sides = [("java", java), ("torchvision", torch)]
    if args.onnxruntime_jar:
        sides.append(("onnxruntime", ["java", "-cp", str(args.onnxruntime_jar),
                                      str(ROOT / "bench" / "OnnxRuntimeForward.java"), "--model", str(onnx),
                                      *common, "--iters", str(args.iters), "--min-images", str(args.min_images)]))
    best = {}
    for round_number in range(args.rounds):
        for side, command in sides:
            for row in run(command):
                key = (side, row["batch"])
                print(f"round {round_number + 1} {side:11s} batch {row['batch']:3d}: "
                      f"{row['images_per_s']:8.2f} images/s", file=sys.stderr)
                if key not in best or row["images_per_s"] > best[key]["images_per_s"]:
                    best[key] = row
    ort = args.onnxruntime_jar is not None
    print(f"{args.arch} forward, float32, CPU, {args.threads} thread(s), same torchvision weights (seed {args.seed}),"
          f" best of {args.rounds} alternating rounds{', torchvision via oneDNN' if args.onednn else ''}")
    print(f"{'batch':>5} {'java img/s':>11} {'torchvision img/s':>18} {'java/torch':>10}"
          + (f" {'onnxruntime img/s':>18} {'java/ort':>8}" if ort else "")
          + f" {'java RSS MB':>12} {'torch RSS MB':>13}" + (f" {'ort RSS MB':>11}" if ort else ""))
    for batch in batches:
        j, t = best[("java", batch)], best[("torchvision", batch)]
        line = (f"{batch:5d} {j['images_per_s']:11.2f} {t['images_per_s']:18.2f} "
                f"{j['images_per_s'] / t['images_per_s']:10.2f}")
        if ort:
            o = best[("onnxruntime", batch)]
            line += f" {o['images_per_s']:18.2f} {j['images_per_s'] / o['images_per_s']:8.2f}"
        line += f" {j['peak_rss_mb']:12.0f} {t['peak_rss_mb']:13.0f}"
        if ort:
            line += f" {best[('onnxruntime', batch)]['peak_rss_mb']:11.0f}"
        print(line)


if __name__ == "__main__":
    main()
