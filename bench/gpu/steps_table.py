"""Prints the training-step comparison from steps_big.jsonl (TrainStepBench and torch_unet_step.py lines):
ms/step, peak memory and the ratio to PyTorch for each configuration and precision measured in the run. An
optional second argument names the card, printed under the table.
Usage: steps_table.py steps_big.jsonl [CARD]"""
import json
import sys

ours, theirs = {}, {}
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if d.get("engine") == "backsplit-java":
        precision = "tf32" if "TF32" in d["backend"] else "bf16" if "BF16" in d["backend"] else "fp32"
        ours[(d["patch"], precision)] = d
    else:
        theirs[(d["patch"][0], d["mode"])] = d
print("\n| patch | precision | ours ms/step | PyTorch ms/step | ours / PyTorch | peak GiB ours / PyTorch |")
print("|---|---|---|---|---|---|")
for (patch, precision), o in sorted(ours.items()):
    t = theirs.get((patch, precision))
    if t:
        print(f"| {patch}^3 | {precision} | {o['ms_step']:.1f} | {t['ms_step']:.1f} | {o['ms_step'] / t['ms_step']:.2f} | "
              f"{o['peak_GiB']:.2f} / {t['peak_GiB']:.2f} |")
    else:
        print(f"| {patch}^3 | {precision} | {o['ms_step']:.1f} | | | {o['peak_GiB']:.2f} / |")
if len(sys.argv) > 2:
    print(f"\ncard: {sys.argv[2]}")
