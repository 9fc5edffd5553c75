"""Minimal safetensors reader/writer used by the ResNet helper scripts.

The ``safetensors`` Python package is not required: the format is simple
enough to write by hand.

File layout::

    8 bytes   little-endian uint64 N  (length of the JSON header)
    N bytes   UTF-8 JSON object, right-padded with spaces to a multiple of 8
    ...       data area: raw little-endian tensor bytes, contiguous, C order

The header maps each tensor name to
``{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`` where the
offsets are relative to the start of the data area.  An optional
``"__metadata__"`` entry maps str -> str.  Tensors are written in sorted key
order and their data appears in the same order.

Import from another script with::

    sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))
    import torchvision_safetensors as st

It also holds :func:`randomize_resnet_bn_`, the seeded BatchNorm
randomisation shared by ``jobs/export-torchvision-weights.py --randomize-bn``
and ``src/test/python/make_reference.py`` so both produce identical weights.

Running this file directly performs a small self-test (or, given a file,
prints a one-line summary of it).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional

import numpy as np

try:  # torch is only needed for writing
    import torch
except ImportError:  # pragma: no cover - reading works without torch
    torch = None

__all__ = ["save_safetensors", "load_safetensors", "read_header", "SafetensorsError",
           "randomize_resnet_bn_", "default_branch_gamma_scale", "DEFAULT_FC_SCALE"]

_HEADER_ALIGN = 8
_MAX_HEADER = 100 * 1024 * 1024

# safetensors dtype tag -> numpy little-endian dtype (BF16 handled separately)
_NP_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}


class SafetensorsError(ValueError):
    """Raised for malformed files or unsupported tensors."""


def _float_tag(dtype) -> str:
    if dtype == torch.float32:
        return "F32"
    if dtype == torch.float16:
        return "F16"
    if dtype == torch.bfloat16:
        return "BF16"
    if dtype == torch.float64:
        return "F64"
    raise SafetensorsError(f"unsupported output float dtype: {dtype}")


def _tensor_bytes(t, float_dtype) -> tuple[str, list, bytes]:
    """Return (dtype tag, shape, little-endian bytes) for one tensor."""
    t = t.detach().cpu()
    shape = [int(s) for s in t.shape]
    if t.is_floating_point():
        tag = _float_tag(float_dtype)
        t = t.to(float_dtype).contiguous()
        if tag == "BF16":
            # numpy has no bfloat16: reinterpret the raw 16-bit patterns.
            arr = t.view(torch.int16).numpy().view(np.uint16)
        else:
            arr = t.numpy()
    elif t.dtype == torch.bool:
        tag, arr = "BOOL", t.contiguous().numpy()
    elif t.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        tag = {torch.int64: "I64", torch.int32: "I32", torch.int16: "I16",
               torch.int8: "I8", torch.uint8: "U8"}[t.dtype]
        arr = t.contiguous().numpy()
    else:
        raise SafetensorsError(f"unsupported tensor dtype: {t.dtype}")
    arr = np.ascontiguousarray(arr, dtype=_NP_DTYPES[tag])  # forces little-endian
    return tag, shape, arr.tobytes(order="C")


def save_safetensors(path, tensors: Mapping[str, "torch.Tensor"],
                     metadata: Optional[Mapping[str, str]] = None,
                     dtype=None) -> None:
    """Write ``tensors`` to ``path`` in safetensors format.

    Floating tensors are converted to ``dtype`` (torch.float32 by default;
    torch.float16, torch.bfloat16 and torch.float64 are also accepted).
    Integer and bool tensors keep their type (int64 -> I64 etc.).
    ``metadata`` values are converted to str.
    """
    if torch is None:
        raise SafetensorsError("torch is required to write safetensors files")
    if dtype is None:
        dtype = torch.float32
    _float_tag(dtype)  # validate early

    header: Dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise SafetensorsError("'__metadata__' is reserved and cannot be a tensor name")
        value = tensors[name]
        if not isinstance(value, torch.Tensor):
            value = torch.as_tensor(np.asarray(value))
        tag, shape, raw = _tensor_bytes(value, dtype)
        header[name] = {"dtype": tag, "shape": shape,
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)

    hbytes = json.dumps(header, separators=(",", ":"), sort_keys=False,
                        ensure_ascii=False).encode("utf-8")
    pad = (-len(hbytes)) % _HEADER_ALIGN
    hbytes += b" " * pad

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for c in chunks:
            f.write(c)
    tmp.replace(path)


def read_header(path) -> tuple[dict, int]:
    """Return (parsed JSON header, byte offset of the data area)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise SafetensorsError(f"{path}: file too short for a safetensors header")
        (n,) = struct.unpack("<Q", head)
        if n > _MAX_HEADER:
            raise SafetensorsError(f"{path}: header length {n} is implausible")
        raw = f.read(n)
        if len(raw) != n:
            raise SafetensorsError(f"{path}: truncated header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{path}: header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header is not a JSON object")
    return header, 8 + n


def load_safetensors(path, with_metadata: bool = False):
    """Read a safetensors file into ``{name: numpy.ndarray}``.

    BF16 tensors are widened to float32.  With ``with_metadata=True`` a tuple
    ``(tensors, metadata_dict)`` is returned instead.
    """
    header, data_start = read_header(path)
    data = Path(path).read_bytes()[data_start:]
    meta = header.pop("__metadata__", None) or {}
    out: Dict[str, np.ndarray] = {}
    for name, info in header.items():
        try:
            tag = info["dtype"]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{path}: bad header entry for {name!r}") from None
        if tag not in _NP_DTYPES:
            raise SafetensorsError(f"{path}: unsupported dtype {tag} for {name!r}")
        npdt = _NP_DTYPES[tag]
        count = int(np.prod(shape, dtype=np.int64))
        if not (0 <= begin <= end <= len(data)) or end - begin != count * npdt.itemsize:
            raise SafetensorsError(f"{path}: bad data_offsets for {name!r}")
        arr = np.frombuffer(data, dtype=npdt, count=count, offset=begin).reshape(shape)
        if tag == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        else:
            arr = arr.astype(npdt.newbyteorder("="), copy=True)
        out[name] = arr
    return (out, meta) if with_metadata else out


# --------------------------------------------------------------------------
# Seeded BatchNorm randomisation for reference models
# --------------------------------------------------------------------------

#: Multiplier applied to the fc weight by :func:`randomize_resnet_bn_` (puts
#: the logits of all five depths at O(1..10) with N(0,1) inputs).
DEFAULT_FC_SCALE = 2.0


def default_branch_gamma_scale(num_blocks: int) -> float:
    """Gamma multiplier for the last BN of each residual branch: 2/sqrt(blocks).

    ResNet v1 adds each residual branch onto an un-normalised stream, so with
    random (non-calibrated) BN statistics the activation variance grows by a
    constant factor per block.  Scaling each branch's output by
    ``c/sqrt(num_blocks)`` (as in Fixup/SkipInit-style schemes) bounds the
    total growth independently of the depth: resnet18 0.707, resnet34/50
    0.5, resnet101 0.348, resnet152 0.283.
    """
    return 2.0 / float(num_blocks) ** 0.5


def randomize_resnet_bn_(model, seed: int, branch_gamma_scale: Optional[float] = None,
                         fc_scale: float = DEFAULT_FC_SCALE) -> dict:
    """Randomise every BatchNorm2d of a torchvision ResNet in place, seeded.

    For each BN layer, in ``model.named_modules()`` order, with a private
    ``torch.Generator`` seeded with ``seed`` (draw order: mean, var, gamma,
    beta):

    * running_mean ~ N(0, 0.1^2)
    * running_var  ~ U(0.5, 2.0)
    * weight       ~ U(0.5, 1.5), times ``branch_gamma_scale`` for the last
      BN of every residual branch (``bn3`` of Bottleneck, ``bn2`` of
      BasicBlock)
    * bias         ~ N(0, 0.1^2)

    ``num_batches_tracked`` is left unchanged.  Finally ``fc.weight`` is
    multiplied by ``fc_scale``.  Returns a dict describing what was done.
    """
    from torchvision.models.resnet import BasicBlock, Bottleneck

    blocks = [m for m in model.modules() if isinstance(m, (BasicBlock, Bottleneck))]
    if branch_gamma_scale is None:
        branch_gamma_scale = default_branch_gamma_scale(max(1, len(blocks)))
    last_bn = set()
    for b in blocks:
        last_bn.add(id(b.bn3 if isinstance(b, Bottleneck) else b.bn2))

    g = torch.Generator().manual_seed(int(seed))
    n_bn = 0
    with torch.no_grad():
        for _, m in model.named_modules():
            if not isinstance(m, torch.nn.BatchNorm2d):
                continue
            c = m.num_features
            f = m.running_mean.dtype
            m.running_mean.copy_((torch.randn(c, generator=g) * 0.1).to(f))
            m.running_var.copy_((torch.rand(c, generator=g) * 1.5 + 0.5).to(f))
            gamma = torch.rand(c, generator=g) + 0.5
            if id(m) in last_bn:
                gamma = gamma * branch_gamma_scale
            m.weight.copy_(gamma.to(m.weight.dtype))
            m.bias.copy_((torch.randn(c, generator=g) * 0.1).to(m.bias.dtype))
            n_bn += 1
        fc = getattr(model, "fc", None)
        if fc is not None and fc_scale != 1.0:
            fc.weight.mul_(fc_scale)
    return {"bn_layers": n_bn, "residual_blocks": len(blocks),
            "branch_gamma_scale": float(branch_gamma_scale), "fc_scale": float(fc_scale),
            "bn_seed": int(seed)}


def _self_test(tmpdir: Path) -> None:
    g = torch.Generator().manual_seed(0)
    src = {
        "b.weight": torch.randn(3, 4, generator=g),
        "a.bias": torch.randn(5, generator=g, dtype=torch.float64),
        "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
        "empty": torch.zeros(0, 3),
    }
    for dt, tol in ((torch.float32, 0), (torch.float16, 1e-3), (torch.bfloat16, 1e-2)):
        p = tmpdir / f"selftest_{str(dt).split('.')[-1]}.safetensors"
        save_safetensors(p, src, {"k": "v"}, dtype=dt)
        back, meta = load_safetensors(p, with_metadata=True)
        assert meta == {"k": "v"}, meta
        assert back["bn.num_batches_tracked"].dtype == np.int64
        assert int(back["bn.num_batches_tracked"]) == 7
        for k, v in src.items():
            ref = v.to(dt).to(torch.float64).numpy() if v.is_floating_point() else v.numpy()
            assert back[k].shape == tuple(v.shape), k
            assert np.allclose(back[k].astype(np.float64), ref, rtol=0, atol=tol + 1e-7), (k, dt)
        assert read_header(p)[1] % 8 == 0
        p.unlink()
    print("torchvision_safetensors self-test OK")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", help="safetensors file to summarise (omit to run the self-test)")
    args = ap.parse_args(argv)
    try:
        if args.file is None:
            import tempfile
            with tempfile.TemporaryDirectory() as d:
                _self_test(Path(d))
            return 0
        tensors, meta = load_safetensors(args.file, with_metadata=True)
    except (OSError, SafetensorsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"metadata": meta, "tensors": len(tensors),
                      "elements": int(sum(a.size for a in tensors.values()))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
