"""Export torchvision ResNet weights to a safetensors (or .npz) file for the Java ResNet.

Run this where torchvision is installed.  The weights come from one of:

  --checkpoint FILE   a .pth/.pt file holding a state_dict, a whole pickled
                      model, or a dict with a "state_dict" / "model" /
                      "model_state_dict" entry; a leading "module." prefix
                      (DataParallel / DistributedDataParallel) is stripped
  --pretrained        torchvision's own ImageNet weights (--weights-enum,
                      default DEFAULT).  torchvision downloads them into
                      $TORCH_HOME/hub/checkpoints (default
                      ~/.cache/torch/hub/checkpoints), so this only works
                      online or when that file is already cached
  --random            torchvision's seeded random init (torch.manual_seed(SEED)
                      then the model constructor), for tests; --randomize-bn
                      additionally randomises the BatchNorm statistics exactly
                      like src/test/python/make_reference.py

The torchvision model is built for --arch/--num-classes and the weights are
loaded with strict=True, so every key and shape is checked against
torchvision's.  The model's full state_dict() (parameters plus BatchNorm
running_mean/running_var/num_batches_tracked) is written as float32
safetensors (num_batches_tracked as I64) with metadata
{"arch", "num_classes", "source", "format": "torchvision-state-dict", ...};
an output ending in .npz is written with numpy.savez using the same keys.

One summary line is printed:
  arch=resnet18 tensors=122 parameters=11689512 output=/abs/out.safetensors sha256=...
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
from script_args import OneLineErrorParser, int_at_least, RESNET_ARCHS  # noqa: E402

ARCHS = RESNET_ARCHS
WEIGHT_ENUMS = {"resnet18": "ResNet18_Weights", "resnet34": "ResNet34_Weights",
                "resnet50": "ResNet50_Weights", "resnet101": "ResNet101_Weights",
                "resnet152": "ResNet152_Weights"}
STATE_DICT_KEYS = ("state_dict", "model", "model_state_dict")
PROG = "export-torchvision-weights.py"


class ExportError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def parse_args(argv=None):
    ap = OneLineErrorParser(prog=PROG, description=__doc__,
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=ARCHS)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", type=Path, metavar="FILE",
                     help="state_dict / pickled model / {'state_dict'|'model': ...} file")
    src.add_argument("--pretrained", action="store_true",
                     help="torchvision's pretrained weights (needs network access or a cached "
                          "file in $TORCH_HOME/hub/checkpoints)")
    src.add_argument("--random", action="store_true", help="seeded random init (for tests)")
    ap.add_argument("--weights-enum", default=None, metavar="NAME",
                    help="with --pretrained: member of torchvision's ResNet*_Weights, e.g. "
                         "IMAGENET1K_V1 or IMAGENET1K_V2 (default DEFAULT)")
    ap.add_argument("--seed", type=int_at_least("--seed", 0), default=None,
                    help="with --random: torch.manual_seed value (default 0)")
    ap.add_argument("--randomize-bn", action="store_true",
                    help="with --random: also randomise BatchNorm statistics/affine (same scheme "
                         "and seed as make_reference.py)")
    ap.add_argument("--num-classes", type=int_at_least("--num-classes", 1), default=1000)
    ap.add_argument("--output", required=True, type=Path, metavar="FILE",
                    help="output file, .safetensors or .npz")
    ap.add_argument("--dtype", choices=("float32", "float16", "bfloat16"), default="float32",
                    help="floating-point storage type (default float32; float16/bfloat16 are for "
                         "testing the Java loader; .npz supports float32/float16 only)")
    args = ap.parse_args(argv)

    if args.weights_enum is not None and not args.pretrained:
        ap.error("--weights-enum requires --pretrained")
    if (args.seed is not None or args.randomize_bn) and not args.random:
        ap.error("--seed/--randomize-bn require --random")
    if args.pretrained and args.num_classes != 1000:
        ap.error("--pretrained weights have 1000 classes; drop --num-classes")
    suffix = args.output.suffix.lower()
    if suffix not in (".safetensors", ".npz"):
        ap.error(f"--output must end in .safetensors or .npz, got {args.output.name!r}")
    if suffix == ".npz" and args.dtype == "bfloat16":
        ap.error("bfloat16 cannot be stored in .npz; use .safetensors")
    if args.checkpoint is not None and not args.checkpoint.is_file():
        ap.error(f"--checkpoint {args.checkpoint} is not a readable file")
    return args


# --------------------------------------------------------------------------
# checkpoint handling
# --------------------------------------------------------------------------

def _torch_load(path):
    import inspect
    import pickle

    import torch
    if "weights_only" not in inspect.signature(torch.load).parameters:
        return torch.load(path, map_location="cpu")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        pass  # not a plain tensor pickle, e.g. a whole pickled nn.Module: retry below
    obj = torch.load(path, map_location="cpu", weights_only=False)
    print(f"{PROG}: note: {path} is not a plain state_dict; it was unpickled fully "
          "(only do this with files you trust)", file=sys.stderr)
    return obj


def extract_state_dict(obj, depth=0):
    """Return a {name: tensor} dict from whatever a checkpoint file held."""
    import torch
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        if obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
            return obj
        for key in STATE_DICT_KEYS:
            if key in obj and depth < 3:
                return extract_state_dict(obj[key], depth + 1)
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if tensors:
            return tensors
        raise ExportError("checkpoint dict has no tensors and none of the keys "
                          f"{', '.join(STATE_DICT_KEYS)} (top-level keys: "
                          f"{', '.join(map(str, list(obj)[:8]))})")
    raise ExportError(f"checkpoint holds a {type(obj).__name__}, not a state_dict or nn.Module")


def strip_module_prefix(sd):
    prefix = "module."
    if sd and all(k.startswith(prefix) for k in sd):
        return {k[len(prefix):]: v for k, v in sd.items()}
    return dict(sd)


def fill_num_batches_tracked(model, sd):
    """Add num_batches_tracked = 0 for BN layers whose checkpoint entry is missing."""
    import torch
    sd = dict(sd)
    for k in model.state_dict():
        if k.endswith("num_batches_tracked") and k not in sd:
            sd[k] = torch.tensor(0, dtype=torch.long)
    return sd


def check_keys(model, sd, arch, num_classes):
    """Raise a one-line ExportError describing any key/shape mismatch."""
    expected = model.state_dict()
    # checkpoints from before torch 0.4.1 lack num_batches_tracked; it is filled in later
    missing = [k for k in expected if k not in sd and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in sd if k not in expected]
    shapes = [f"{k} {tuple(sd[k].shape)} vs {tuple(v.shape)}" for k, v in expected.items()
              if k in sd and tuple(sd[k].shape) != tuple(v.shape)]
    if not (missing or unexpected or shapes):
        return

    def few(items):
        return ", ".join(items[:3]) + (f" (+{len(items) - 3} more)" if len(items) > 3 else "")

    parts = []
    if missing:
        parts.append(f"missing {len(missing)}: {few(missing)}")
    if unexpected:
        parts.append(f"unexpected {len(unexpected)}: {few(unexpected)}")
    if shapes:
        parts.append(f"shape mismatch {len(shapes)}: {few(shapes)}")
    hint = ""
    if "fc.weight" in sd and any(s.startswith("fc.") for s in shapes):
        hint = f"; the checkpoint has {sd['fc.weight'].shape[0]} classes, pass --num-classes"
    raise ExportError(f"checkpoint does not match torchvision {arch} (num_classes={num_classes}): "
                      + "; ".join(parts) + hint)


# --------------------------------------------------------------------------
# model construction per source
# --------------------------------------------------------------------------

def build_model(args):
    import torch
    import torchvision

    builder = getattr(torchvision.models, args.arch)
    if args.random:
        seed = 0 if args.seed is None else args.seed
        torch.manual_seed(seed)
        model = builder(weights=None, num_classes=args.num_classes)
        source = f"random:seed={seed}"
        if args.randomize_bn:
            import torchvision_safetensors as st
            st.randomize_resnet_bn_(model, seed)
            source += ",randomize_bn"
        # round-trip through load_state_dict(strict=True) like the other sources
        model.load_state_dict(model.state_dict(), strict=True)
        return model, source

    if args.pretrained:
        enum_cls = getattr(torchvision.models, WEIGHT_ENUMS[args.arch])
        name = args.weights_enum or "DEFAULT"
        try:
            weights = enum_cls[name] if name != "DEFAULT" else enum_cls.DEFAULT
        except KeyError:
            valid = ", ".join(["DEFAULT"] + [w.name for w in enum_cls])
            raise ExportError(f"unknown --weights-enum {name!r} for {args.arch}; valid: {valid}") \
                from None
        model = builder(weights=None, num_classes=args.num_classes)
        try:
            sd = weights.get_state_dict(progress=False)
        except Exception as e:  # noqa: BLE001 - network / cache errors vary
            fname = weights.url.rsplit("/", 1)[-1]
            raise ExportError(
                f"could not obtain {enum_cls.__name__}.{weights.name} ({type(e).__name__}: "
                f"{str(e).splitlines()[0] if str(e) else ''}); without network access put "
                f"{fname} into $TORCH_HOME/hub/checkpoints (default ~/.cache/torch/hub/checkpoints) "
                "or use --checkpoint") from None
        check_keys(model, sd, args.arch, args.num_classes)
        model.load_state_dict(fill_num_batches_tracked(model, sd), strict=True)
        return model, f"pretrained:{enum_cls.__name__}.{weights.name}"

    try:
        obj = _torch_load(args.checkpoint)
    except Exception as e:  # noqa: BLE001 - pickle/zip errors vary
        raise ExportError(f"cannot load checkpoint {args.checkpoint}: {type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''}") from None
    sd = strip_module_prefix(extract_state_dict(obj))
    model = builder(weights=None, num_classes=args.num_classes)
    check_keys(model, sd, args.arch, args.num_classes)
    non_float = [k for k, v in sd.items() if not (v.is_floating_point() or k.endswith("num_batches_tracked"))]
    if non_float:
        raise ExportError(f"unexpected non-floating tensors in checkpoint: {', '.join(non_float[:3])}")
    model.load_state_dict(fill_num_batches_tracked(model, sd), strict=True)
    return model, f"checkpoint:{args.checkpoint.name}"


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_output(model, args, source):
    import numpy as np
    import torch
    import torchvision
    import torchvision_safetensors as st

    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[args.dtype]
    sd = model.state_dict()
    out = args.output
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"arch": args.arch, "num_classes": str(args.num_classes), "source": source,
            "format": "torchvision-state-dict", "dtype": args.dtype,
            "torch_version": torch.__version__, "torchvision_version": torchvision.__version__}
    if out.suffix.lower() == ".npz":
        arrays = {}
        for k, v in sd.items():
            v = v.detach().cpu()
            arrays[k] = v.to(dtype).numpy() if v.is_floating_point() else v.numpy()
        # numpy appends nothing when the name already ends in .npz
        with open(out, "wb") as f:
            np.savez(f, **arrays)
    else:
        st.save_safetensors(out, sd, meta, dtype=dtype)
    n_params = sum(p.numel() for p in model.parameters())
    return len(sd), n_params


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as e:
        print(f"{PROG}: error: this script needs torch and torchvision ({e})", file=sys.stderr)
        return 1
    try:
        model, source = build_model(args)
        n_tensors, n_params = write_output(model.eval(), args, source)
    except ExportError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"{PROG}: error: {type(e).__name__}: {first}", file=sys.stderr)
        return 1
    out = args.output.resolve()
    print(f"arch={args.arch} tensors={n_tensors} parameters={n_params} output={out} "
          f"sha256={_sha256(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
