"""Generate torchvision ResNet reference data for the Java (DJL) ResNet tests.

Builds a torchvision ResNet with a seeded random initialisation, optionally
randomises every BatchNorm layer (running statistics and affine parameters,
see below), runs a seeded N(0,1) input through it in float32 and float64 and
writes into --out-dir:

  weights.safetensors  full state_dict (float32; num_batches_tracked as I64)
  input.npy            float32 N x C x H x W input
  logits_f32.npy       torchvision eager float32 logits (eval, no_grad)
  logits_f64.npy       the same model and input in float64 (high-precision ref)
  features_f32.npy     flattened avgpool output, N x (512 | 2048), float32
  features_f64.npy     the same in float64
  meta.json            arch, seeds, shapes, versions, error and range stats

meta.json is written last, so its presence marks a complete output.

Seeding: torch.manual_seed(SEED) before building the model (torchvision's own
conv/fc init), BatchNorm randomisation from torch.Generator(SEED), the input
from torch.Generator(SEED + 0x9E3779B9).  With --no-randomize-bn the weights
are exactly those of `export-torchvision-weights.py --random --seed SEED`;
with it (the default) they equal `... --random --seed SEED --randomize-bn`
(for --in-channels 3).

BatchNorm randomisation (per layer): running_mean ~ N(0, 0.1^2),
running_var ~ U(0.5, 2), gamma ~ U(0.5, 1.5), beta ~ N(0, 0.1^2); the gamma of
the last BN of each residual branch (bn3 / bn2) is multiplied by
2/sqrt(#blocks) and fc.weight by 2, which keeps the logits O(1..10) for every
depth instead of exploding through the un-normalised residual stream.
With --no-randomize-bn the model is torchvision's plain init (BN = identity in
eval mode) and the logits of the deeper nets reach 1e5..1e7; that mode is
meant for weight-loading tests, not for numerical comparisons.

Note: with N(0,1) i.i.d. pixels the global average pool leaves only a small
input-dependent part in the logits (between-input std ~0.3-3% of the logit
spread, still >1000x the float32 error); meta.json reports it as
logits_between_input_std / logits_between_input_max_diff.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_TOOLS = _HERE.parent.parent.parent / "jobs" / "tools"
sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, str(_TOOLS))
from script_args import OneLineErrorParser, int_at_least, RESNET_ARCHS  # noqa: E402

ARCHS = RESNET_ARCHS
INPUT_SEED_OFFSET = 0x9E3779B9


def _seed(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer, got {text!r}") from None
    if not 0 <= v < 2 ** 62:
        raise argparse.ArgumentTypeError(f"seed must be in [0, 2^62), got {v}")
    return v


def _default_f64_threads():
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(2, n))


def parse_args(argv=None):
    ap = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=ARCHS)
    ap.add_argument("--num-classes", type=int_at_least("--num-classes", 1), default=1000)
    ap.add_argument("--seed", type=_seed, default=0)
    ap.add_argument("--batch", type=int_at_least("--batch", 1), default=4)
    ap.add_argument("--height", type=int_at_least("--height", 1), default=224)
    ap.add_argument("--width", type=int_at_least("--width", 1), default=224)
    ap.add_argument("--in-channels", type=int_at_least("--in-channels", 1), default=3,
                    help="input channels; != 3 replaces conv1 (kaiming_normal fan_out init, like torchvision)")
    ap.add_argument("--randomize-bn", action=argparse.BooleanOptionalAction, default=True,
                    help="randomise BN statistics/affine and scale branch gammas and fc (default: on)")
    ap.add_argument("--branch-gamma-scale", type=float, default=None,
                    help="override the last-BN gamma multiplier (default 2/sqrt(#residual blocks))")
    ap.add_argument("--fc-scale", type=float, default=None,
                    help="override the fc.weight multiplier (default 2.0; only with --randomize-bn)")
    ap.add_argument("--out-dir", required=True, type=Path)
    ap.add_argument("--threads", type=int_at_least("--threads", 1), default=1,
                    help="torch intra-op threads for the float32 pass (default 1, for determinism: "
                         "with >1 thread this torch build switches 1x1 convs to oneDNN, which changes "
                         "the float32 rounding)")
    ap.add_argument("--f64-threads", type=int_at_least("--f64-threads", 1), default=_default_f64_threads(),
                    help="threads for the float64 pass (default min(2, usable CPUs)); float64 convs "
                         "run im2col+gemm parallel over the batch, so the result is bitwise "
                         "independent of this value (checked with torch 1.13.1)")
    args = ap.parse_args(argv)
    if not args.randomize_bn and (args.branch_gamma_scale is not None or args.fc_scale is not None):
        ap.error("--branch-gamma-scale/--fc-scale require --randomize-bn")
    for name in ("branch_gamma_scale", "fc_scale"):
        v = getattr(args, name)
        if v is not None and not (v == v and 0 < v < float("inf")):
            ap.error(f"--{name.replace('_', '-')} must be a positive finite number")
    return args


def build_model(arch, num_classes, in_channels, seed, randomize_bn,
                branch_gamma_scale=None, fc_scale=None):
    import torch
    import torchvision
    import torchvision_safetensors as st

    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)
    if in_channels != 3:
        old = model.conv1
        model.conv1 = torch.nn.Conv2d(in_channels, old.out_channels, kernel_size=old.kernel_size,
                                      stride=old.stride, padding=old.padding, bias=False)
        torch.nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
    info = {"randomize_bn": bool(randomize_bn)}
    if randomize_bn:
        info.update(st.randomize_resnet_bn_(
            model, seed, branch_gamma_scale=branch_gamma_scale,
            fc_scale=st.DEFAULT_FC_SCALE if fc_scale is None else fc_scale))
    return model.eval(), info


def _forward_with_features(model, x):
    import torch
    captured = {}
    handle = model.avgpool.register_forward_hook(
        lambda mod, inp, out: captured.__setitem__("f", torch.flatten(out, 1)))
    try:
        with torch.no_grad():
            logits = model(x)
    finally:
        handle.remove()
    return logits, captured["f"]


def main(argv=None) -> int:
    args = parse_args(argv)
    import numpy as np
    import torch
    import torchvision
    import torchvision_safetensors as st

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"make_reference.py: error: cannot create --out-dir: {e}", file=sys.stderr)
        return 1
    if not os.access(args.out_dir, os.W_OK):
        print(f"make_reference.py: error: --out-dir {args.out_dir} is not writable", file=sys.stderr)
        return 1
    meta_path = args.out_dir / "meta.json"
    if meta_path.exists():
        meta_path.unlink()  # meta.json marks completion; remove any stale one first

    model, init_info = build_model(args.arch, args.num_classes, args.in_channels, args.seed,
                                   args.randomize_bn, args.branch_gamma_scale, args.fc_scale)
    t_build = time.perf_counter()

    input_seed = args.seed + INPUT_SEED_OFFSET
    gen = torch.Generator().manual_seed(input_seed)
    x = torch.randn(args.batch, args.in_channels, args.height, args.width,
                    generator=gen, dtype=torch.float32)

    logits32, feats32 = _forward_with_features(model, x)
    t_f32 = time.perf_counter()
    model64 = copy.deepcopy(model).double()
    torch.set_num_threads(args.f64_threads)
    logits64, feats64 = _forward_with_features(model64, x.double())
    torch.set_num_threads(args.threads)
    t_f64 = time.perf_counter()

    st.save_safetensors(args.out_dir / "weights.safetensors", model.state_dict(), {
        "arch": args.arch, "num_classes": str(args.num_classes),
        "in_channels": str(args.in_channels), "seed": str(args.seed),
        "randomize_bn": str(args.randomize_bn).lower(),
        "source": "make_reference.py", "format": "torchvision-state-dict",
    })
    arrays = {
        "input.npy": x.numpy().astype(np.float32),
        "logits_f32.npy": logits32.numpy().astype(np.float32),
        "logits_f64.npy": logits64.numpy().astype(np.float64),
        "features_f32.npy": feats32.numpy().astype(np.float32),
        "features_f64.npy": feats64.numpy().astype(np.float64),
    }
    for name, arr in arrays.items():
        np.save(args.out_dir / name, np.ascontiguousarray(arr))

    l64 = arrays["logits_f64.npy"]
    diff = np.abs(arrays["logits_f32.npy"].astype(np.float64) - l64)
    fdiff = np.abs(arrays["features_f32.npy"].astype(np.float64) - arrays["features_f64.npy"])
    finite = bool(np.isfinite(l64).all())
    stats = {
        "logits_min": float(l64.min()), "logits_max": float(l64.max()),
        "logits_std": float(l64.std()), "logits_max_abs": float(np.abs(l64).max()),
        # spread of each class logit across the batch (how much the inputs are told apart)
        "logits_between_input_std": float(l64.std(axis=0).mean()) if args.batch > 1 else 0.0,
        "logits_between_input_max_diff": float((l64.max(axis=0) - l64.min(axis=0)).max()),
        "max_abs_diff_logits_f32_f64": float(diff.max()),
        "max_rel_diff_logits_f32_f64": float(diff.max() / max(np.abs(l64).max(), 1e-300)),
        "max_abs_diff_features_f32_f64": float(fdiff.max()),
        "features_mean": float(arrays["features_f64.npy"].mean()),
    }
    meta = {
        "arch": args.arch, "num_classes": args.num_classes, "in_channels": args.in_channels,
        "seed": args.seed, "input_seed": input_seed,
        "batch": args.batch, "height": args.height, "width": args.width,
        "init": init_info,
        "shapes": {name: list(arr.shape) for name, arr in arrays.items()},
        "dtypes": {name: str(arr.dtype) for name, arr in arrays.items()},
        "num_tensors": len(model.state_dict()),
        "num_parameters": int(sum(p.numel() for p in model.parameters())),
        "torch_version": torch.__version__, "torchvision_version": torchvision.__version__,
        "numpy_version": np.__version__,
        "torch_threads": {"f32": args.threads, "f64": args.f64_threads},
        "finite": finite,
        "timing_s": {"build": round(t_build - t0, 3), "forward_f32": round(t_f32 - t_build, 3),
                     "forward_f64": round(t_f64 - t_f32, 3),
                     "total": round(time.perf_counter() - t0, 3)},
        **stats,
    }
    tmp = meta_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(meta_path)
    print(f"{args.arch} {args.batch}x{args.in_channels}x{args.height}x{args.width} "
          f"logits [{stats['logits_min']:.3f}, {stats['logits_max']:.3f}] std {stats['logits_std']:.3f} "
          f"between-input std {stats['logits_between_input_std']:.4f} "
          f"max|f32-f64| {stats['max_abs_diff_logits_f32_f64']:.2e} "
          f"time {meta['timing_s']['total']:.2f}s -> {args.out_dir}")
    if not finite:
        print("make_reference.py: error: non-finite logits", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
