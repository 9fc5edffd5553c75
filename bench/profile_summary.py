"""Sums a PyTorch profiler trace (Chrome trace JSON, as `jobs/resnet bench --profile` writes it)
per operator: total milliseconds, share of the traced time, and call count, largest first.

    python3 bench/profile_summary.py trace-batch8.json [--top 15]
"""

import argparse
import collections
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    with open(args.trace) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    totals = collections.defaultdict(float)
    counts = collections.Counter()
    for event in events:
        if event.get("ph") == "X" and "dur" in event:
            totals[event["name"]] += event["dur"]
            counts[event["name"]] += 1
    # Top-level operators only would need nesting; aten::conv2d contains aten::mkldnn_convolution,
    # so read shares per line, not as a partition of the total.
    top_level = max(totals.values()) if totals else 1
    print(f"{'operator':40s} {'ms':>10s} {'share of largest':>17s} {'calls':>7s}")
    for name, micros in sorted(totals.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{name[:40]:40s} {micros / 1000:10.1f} {100 * micros / top_level:16.1f}% {counts[name]:7d}")


if __name__ == "__main__":
    main()
