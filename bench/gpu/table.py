"""Prints the GPU comparison table from the JSON lines of CudaOpsBench and torch_ops.py, and the test summary."""
import json
import re
import sys

ours = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
theirs = {}
for l in open(sys.argv[2]):
    if l.startswith("{"):
        d = json.loads(l)
        theirs[d["op"]] = d
print("\n| op | shape | backsplit ms | GB/s | PyTorch eager ms | ours / PyTorch |")
print("|---|---|---|---|---|---|")
for o in ours:
    t = theirs.get(o["op"])
    ratio = f"{o['ms'] / t['ms']:.2f}" if t else ""
    print(f"| {o['op']} | {o['shape']} | {o['ms']:.3f} | {o['GBps']:.0f} | {t['ms']:.3f} |  {ratio} |" if t else
          f"| {o['op']} | {o['shape']} | {o['ms']:.3f} | {o['GBps']:.0f} | | |")
for op, t in theirs.items():
    if not any(o["op"] == op for o in ours):
        print(f"| {op} | {t['shape']} | | | {t['ms']:.3f} | |")
if ours:
    print(f"\ndevice: {ours[0]['device']}")
if len(sys.argv) > 3:
    log = open(sys.argv[3]).read()
    for pat in (r"\d+ tests successful", r"\d+ tests failed", r"\d+ tests skipped", r"\d+ tests aborted"):
        m = re.search(r"\[\s*(\d+) (tests (successful|failed|skipped|aborted))\s*\]", "")
    summary = [l.strip() for l in log.splitlines() if re.search(r"tests (successful|failed|skipped|aborted|found)", l)]
    print("tests: " + "; ".join(summary))
