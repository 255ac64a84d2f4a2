"""Prints the GPU comparison table from the JSON lines of CudaOpsBench and torch_ops.py, and the test summary.
Rows pair by (op, shape); a convolution row also shows cuDNN in NDHWC (torch_ops.py's "_ndhwc" rows), and its
ratio is to the faster of PyTorch's two layouts. The rate column is GB/s moved, or for the conv3d rows GFLOP/s.
Each side's card is printed: both must be the same run's."""
import json
import re
import sys

ours = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
theirs = {}
for l in open(sys.argv[2]):
    if l.startswith("{"):
        d = json.loads(l)
        theirs[(d["op"], d["shape"])] = d
print("\n| op | shape | backsplit ms | GB/s or GFLOP/s | PyTorch ms (NCDHW) | PyTorch ms (NDHWC) | ours / best PyTorch |")
print("|---|---|---|---|---|---|---|")
paired = set()
for o in ours:
    a, b = theirs.get((o["op"], o["shape"])), theirs.get((o["op"] + "_ndhwc", o["shape"]))
    paired.update({(o["op"], o["shape"]), (o["op"] + "_ndhwc", o["shape"])})
    best = min([t["ms"] for t in (a, b) if t], default=None)
    cell = lambda t: f"{t['ms']:.3f}" if t else ""
    ratio = f"{o['ms'] / best:.2f}" if best else ""
    print(f"| {o['op']} | {o['shape']} | {o['ms']:.3f} | {o['GBps']:.0f} | {cell(a)} | {cell(b)} | {ratio} |")
for key, t in theirs.items():
    if key not in paired:
        print(f"| {key[0]} | {key[1]} | | | {t['ms']:.3f} | | |")
if ours:
    print(f"\nours on: {ours[0]['device']}")
if theirs:
    print(f"PyTorch on: {next(iter(theirs.values()))['device']}")
if len(sys.argv) > 3:
    log = open(sys.argv[3]).read()
    summary = [l.strip() for l in log.splitlines() if re.search(r"tests (successful|failed|skipped|aborted|found)", l)]
    print("tests: " + "; ".join(summary))
