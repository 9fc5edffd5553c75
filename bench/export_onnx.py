"""Export one seeded torchvision ResNet both as ONNX (for ONNX Runtime) and as safetensors (for
this project's model), so that bench/forward_benchmark.py times the same network with the same
weights on every engine. torchvision's own initialisation, seeded as bench/torchvision_forward.py
seeds it (torch.manual_seed(SEED) before the constructor), in eval mode.

  export_onnx.py --arch resnet50 --seed 0 --onnx OUT.onnx --safetensors OUT.safetensors

ONNX opset 13 with a dynamic batch axis (input "input", N x 3 x H x W float32; output "logits").
Needs Debian's python3-torch and python3-torchvision (no onnx package: torch's exporter writes the
file itself).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jobs" / "tools"))
from script_args import OneLineErrorParser, RESNET_ARCHS  # noqa: E402
from torchvision_safetensors import save_safetensors  # noqa: E402


def main(argv=None) -> int:
    ap = OneLineErrorParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="resnet50", choices=RESNET_ARCHS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--safetensors", type=Path, required=True)
    args = ap.parse_args(argv)
    import torch
    import torchvision

    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, args.arch)(weights=None).eval()
    save_safetensors(args.safetensors, model.state_dict())
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(args.onnx), opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    print(f"arch={args.arch} seed={args.seed} onnx={args.onnx} safetensors={args.safetensors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
