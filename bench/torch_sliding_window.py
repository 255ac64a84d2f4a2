"""PyTorch's CPU time for the same sliding window as SlidingWindowBench: the shared reference's U-Net (4 stages
8..64, 3 classes), 32^3 tiles at step 0.5 (nnU-Net's positions) over a 96 x 96 x 64 volume, Gaussian-weighted
accumulation as nnU-Net does it, no mirroring, fp32, inference mode.
Usage: python3 bench/torch_sliding_window.py REFERENCE_DIR THREADS REPEATS   (prints one JSON line)
"""
import json
import math
import sys
import time

import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
import torch_unet_step as ref  # noqa: E402

torch.set_num_threads(int(sys.argv[2]))
repeats = int(sys.argv[3])


def starts(size, tile, step=0.5):
    n = math.ceil((size - tile) / (tile * step)) + 1
    actual = (size - tile) / (n - 1) if n > 1 else 0
    return [int(round(actual * i)) for i in range(n)]


def gaussian(tile):
    axes = [np.exp(-0.5 * (np.arange(t) - t // 2) ** 2 / (t / 8) ** 2) for t in tile]
    return torch.from_numpy(np.einsum("i,j,k->ijk", *axes).astype(np.float32))


net = ref.UNet(1, 3, [8, 16, 32, 64]).eval()
shape, tile = (64, 96, 96), (32, 32, 32)  # z, y, x
image = torch.randn(1, 1, *shape)
g = gaussian(tile)


def predict():
    logits = torch.zeros(3, *shape)
    weight = torch.zeros(shape)
    with torch.inference_mode():
        for z in starts(shape[0], 32):
            for y in starts(shape[1], 32):
                for x in starts(shape[2], 32):
                    out = net(image[:, :, z:z + 32, y:y + 32, x:x + 32])[0][0]
                    logits[:, z:z + 32, y:y + 32, x:x + 32] += out * g
                    weight[z:z + 32, y:y + 32, x:x + 32] += g
    return logits / weight


predict()
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    predict()
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"what": "network, no mirroring", "backend": f"PyTorch {torch.__version__} CPU, {sys.argv[2]} threads",
                  "best_s": round(best, 3), "voxels_per_s": round(image.numel() / best)}))
