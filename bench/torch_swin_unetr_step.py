"""PyTorch's CPU time for a SwinUNETR training step, beside `backsplit bench --arch swinunetr`.

The re-implementation of MONAI's SwinUNETR in tests/fixtures/reference_swin_unetr.py (MONAI cannot be installed
here), as our benchmark runs it: feature size FEATURES (12), a PATCH^3 patch (64: a 32^3 patch leaves one
bottleneck voxel, which PyTorch's instance norm refuses in training) of random data, batch 2, 4 classes,
nnU-Net's DC+CE with batch Dice (no deep supervision), clip_grad_norm 12, AdamW (lr 8e-4, weight decay 0.01,
eps 1e-5), fp32, a fixed thread count. 3 warm-up steps, then STEPS timed steps.
Usage: python3 bench/torch_swin_unetr_step.py THREADS STEPS [FEATURES] [PATCH] [DEVICE: cpu | cuda]
Prints one JSON line (ms_step is the median, min_ms the fastest step).
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
from reference_networks import dc_ce  # noqa: E402
from reference_swin_unetr import SwinUNETR  # noqa: E402

threads, steps = int(sys.argv[1]), int(sys.argv[2])
features = int(sys.argv[3]) if len(sys.argv) > 3 else 12
patch = int(sys.argv[4]) if len(sys.argv) > 4 else 64
device = sys.argv[5] if len(sys.argv) > 5 else "cpu"
torch.set_num_threads(threads)
torch.manual_seed(0)
net = SwinUNETR(1, 4, feature_size=features).to(device)
opt = torch.optim.AdamW(net.parameters(), lr=8e-4, weight_decay=0.01, eps=1e-5)
x = torch.randn(2, 1, patch, patch, patch, device=device)
y = torch.randint(0, 4, (2, patch, patch, patch), device=device)
times = []
for s in range(3 + steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = dc_ce(net(x), y, 4, -1, True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 12)
    opt.step()
    if device == "cuda":
        torch.cuda.synchronize()
    if s >= 3:
        times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"engine": f"pytorch-{torch.__version__}", "device": device, "network": "SwinUNETR (re-implementation)",
                  "features": features, "patch": patch, "threads": threads, "ms_step": statistics.median(times),
                  "min_ms": min(times), "loss": loss.item(), "steps": steps}))
