"""Command-line pieces shared by the project's Python scripts (exporter, reference generators,
benchmarks): argparse errors as one line, integer bounds, and the ResNet names.

Import from another script after putting this folder on sys.path:

    sys.path.insert(0, str(<project>/"jobs"/"tools"))
    from script_args import OneLineErrorParser, int_at_least, RESNET_ARCHS
"""

from __future__ import annotations

import argparse

RESNET_ARCHS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")


class OneLineErrorParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single line on stderr, exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def int_at_least(name, lo):
    """An argparse type: an integer >= lo, with a message naming the option otherwise."""

    def conv(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"{name} must be >= {lo}, got {v}")
        return v

    return conv
