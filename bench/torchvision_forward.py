"""Time torchvision ResNet forward passes: the PyTorch peer of the Java benchmark.

Builds a torchvision ResNet (seeded random init, eval mode, float32,
torch.no_grad), and for each batch size runs --warmup untimed forward passes
followed by --iters timed ones on a fixed N(0,1) input.  Prints one JSON object
per batch size on stdout, e.g.

  {"engine": "torchvision", "torch": "1.13.0a0", "arch": "resnet50", "batch": 8,
   "threads": 2, "images_per_s": 12.3, "seconds_per_iter_median": 0.65,
   "peak_rss_mb": 512.0, ...}

images_per_s = batch / median seconds per iteration; peak_rss_mb is the
process's peak resident set size so far (resource.getrusage, so it is
monotone over the batch sizes of one run).

Note on this Debian torch 1.13 build (generic reference BLAS, OpenMP): with
one intra-op thread, stride-1 1x1 convolutions at batch < 16 are dispatched to
im2col + reference BLAS instead of oneDNN, which is roughly 10x slower; with
two or more threads (or --onednn) they run in oneDNN.  Compare thread counts
with that in mind.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jobs" / "tools"))
from script_args import OneLineErrorParser, int_at_least, RESNET_ARCHS  # noqa: E402


ARCHS = RESNET_ARCHS


def _batch_list(text):
    try:
        values = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--batch-sizes must be comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"--batch-sizes must be positive integers, got {text!r}")
    return values


def parse_args(argv=None):
    ap = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="resnet50", choices=ARCHS)
    ap.add_argument("--batch-sizes", type=_batch_list, default=[1, 8, 32],
                    help="comma-separated batch sizes (default 1,8,32)")
    ap.add_argument("--threads", type=int_at_least("--threads", 1), default=None,
                    help="torch.set_num_threads value (default: leave torch's default, "
                         "which is 1 on this machine)")
    ap.add_argument("--warmup", type=int_at_least("--warmup", 0), default=3)
    ap.add_argument("--iters", type=int_at_least("--iters", 1), default=10)
    ap.add_argument("--height", type=int_at_least("--height", 1), default=224)
    ap.add_argument("--width", type=int_at_least("--width", 1), default=224)
    ap.add_argument("--num-classes", type=int_at_least("--num-classes", 1), default=1000)
    ap.add_argument("--seed", type=int_at_least("--seed", 0), default=0)
    ap.add_argument("--onednn", action="store_true",
                    help="convert the model and input to oneDNN (MKL-DNN) layout, so every conv "
                         "uses oneDNN regardless of thread count")
    return ap.parse_args(argv)


def _peak_rss_mb():
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024.0 * 1024.0) if sys.platform == "darwin" else r / 1024.0


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    import torchvision

    default_threads = torch.get_num_threads()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()

    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, args.arch)(weights=None, num_classes=args.num_classes)
    model = model.eval().float()
    if args.onednn:
        from torch.utils import mkldnn as mkldnn_utils
        try:
            model = mkldnn_utils.to_mkldnn(model)
        except Exception as e:  # noqa: BLE001 - report any conversion failure in one line
            print(f"torchvision_forward.py: error: oneDNN conversion failed: {e}", file=sys.stderr)
            return 1

    gen = torch.Generator().manual_seed(args.seed + 1)
    for batch in args.batch_sizes:
        x = torch.randn(batch, 3, args.height, args.width, generator=gen)

        def run():
            if args.onednn:
                return model(x.to_mkldnn()).to_dense()
            return model(x)

        times = []
        try:
            with torch.no_grad():
                for _ in range(args.warmup):
                    run()
                for _ in range(args.iters):
                    t0 = time.perf_counter()
                    y = run()
                    times.append(time.perf_counter() - t0)
        except RuntimeError as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            print(f"torchvision_forward.py: error: forward failed at batch {batch}: {msg}",
                  file=sys.stderr)
            return 1
        if tuple(y.shape) != (batch, args.num_classes):
            print(f"torchvision_forward.py: error: unexpected output shape {tuple(y.shape)}",
                  file=sys.stderr)
            return 1
        med = statistics.median(times)
        print(json.dumps({
            "engine": "torchvision", "torch": torch.__version__,
            "torchvision": torchvision.__version__, "arch": args.arch, "batch": batch,
            "threads": threads, "default_threads": default_threads,
            "height": args.height, "width": args.width, "dtype": "float32",
            "onednn": bool(args.onednn), "warmup": args.warmup, "iters": args.iters,
            "images_per_s": round(batch / med, 4),
            "seconds_per_iter_median": round(med, 6),
            "seconds_per_iter_min": round(min(times), 6),
            "peak_rss_mb": round(_peak_rss_mb(), 1),
        }), flush=True)
        del x, y
    return 0


if __name__ == "__main__":
    sys.exit(main())
