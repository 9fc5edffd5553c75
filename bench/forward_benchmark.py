"""ResNet forward throughput: this project's Java model against torchvision eager, same machine,
same run, same thread count.

Runs `jobs/resnet bench` and bench/torchvision_forward.py in alternating rounds (so that a noisy
neighbour hurts both sides alike), takes each side's best round per batch size, and prints a table
with images/s, the ratio Java / torchvision and each process's peak RSS. Invoked by
jobs/benchmark-forward; run it with Debian's /usr/bin/python3 (python3-torch, python3-torchvision).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
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
    return ap.parse_args()


def run(command):
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(command)} failed:\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main():
    args = parse_args()
    common = ["--arch", args.arch, "--batch-sizes", args.batch_sizes, "--threads", str(args.threads),
              "--warmup", str(args.warmup)]
    java = [str(ROOT / "jobs" / "resnet"), "bench", *common, "--iters", str(args.iters),
            "--min-images", str(args.min_images)]
    batches = [int(b) for b in args.batch_sizes.split(",")]
    iters = max(args.iters, -(-args.min_images // max(batches)))
    torch = ["/usr/bin/python3", str(ROOT / "bench" / "torchvision_forward.py"), *common,
             "--iters", str(iters)] + (["--onednn"] if args.onednn else [])
    best = {}
    for round_number in range(args.rounds):
        for side, command in (("java", java), ("torchvision", torch)):
            for row in run(command):
                key = (side, row["batch"])
                print(f"round {round_number + 1} {side:11s} batch {row['batch']:3d}: "
                      f"{row['images_per_s']:8.2f} images/s", file=sys.stderr)
                if key not in best or row["images_per_s"] > best[key]["images_per_s"]:
                    best[key] = row
    print(f"{args.arch} forward, float32, CPU, {args.threads} thread(s), best of {args.rounds} "
          f"alternating rounds{', torchvision via oneDNN' if args.onednn else ''}")
    print(f"{'batch':>5} {'java img/s':>11} {'torchvision img/s':>18} {'ratio':>6} "
          f"{'java peak RSS MB':>17} {'torch peak RSS MB':>18}")
    for batch in batches:
        j, t = best[("java", batch)], best[("torchvision", batch)]
        print(f"{batch:5d} {j['images_per_s']:11.2f} {t['images_per_s']:18.2f} "
              f"{j['images_per_s'] / t['images_per_s']:6.2f} {j['peak_rss_mb']:17.0f} {t['peak_rss_mb']:18.0f}")


if __name__ == "__main__":
    main()
