"""Prints the GPU comparison table from the JSON lines of CudaOpsBench and torch_ops.py, and the test summary.
Rows pair by (op, shape). The rate column is GB/s moved, or for the conv3d rows GFLOP/s."""
import json
import re
import sys

ours = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
theirs = {}
for l in open(sys.argv[2]):
    if l.startswith("{"):
        d = json.loads(l)
        theirs[(d["op"], d["shape"])] = d
print("\n| op | shape | backsplit ms | GB/s or GFLOP/s | PyTorch eager ms | ours / PyTorch |")
print("|---|---|---|---|---|---|")
for o in ours:
    t = theirs.get((o["op"], o["shape"]))
    if t:
        print(f"| {o['op']} | {o['shape']} | {o['ms']:.3f} | {o['GBps']:.0f} | {t['ms']:.3f} | {o['ms'] / t['ms']:.2f} |")
    else:
        print(f"| {o['op']} | {o['shape']} | {o['ms']:.3f} | {o['GBps']:.0f} | | |")
for key, t in theirs.items():
    if not any((o["op"], o["shape"]) == key for o in ours):
        print(f"| {key[0]} | {key[1]} | | | {t['ms']:.3f} | |")
if ours:
    print(f"\ndevice: {ours[0]['device']}")
if len(sys.argv) > 3:
    log = open(sys.argv[3]).read()
    summary = [l.strip() for l in log.splitlines() if re.search(r"tests (successful|failed|skipped|aborted|found)", l)]
    print("tests: " + "; ".join(summary))
