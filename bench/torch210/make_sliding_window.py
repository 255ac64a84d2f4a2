"""TorchScript of the sliding window that bench/sliding_window_cpu.sh times, for PyTorch 2.10 (libtorch via JavaCPP).

The network is the shared reference's U-Net (torch_unet_step.UNet, 4 stages 8..64, 1 input channel, 3 classes),
in eval mode. The scripted forward(image, mirror_axes) runs nnU-Net's sliding window exactly as
bench/torch_sliding_window.py and our SlidingWindowBench do: 32^3 tiles at step 0.5 (nnU-Net's start positions),
batch 1 per tile, the Gaussian importance map (sigma = tile/8), and, when mirror_axes != 0, nnU-Net's test-time
mirroring: the tile and its mirror images along every non-empty combination of the axes in mirror_axes (bits x 1,
y 2, z 4) predicted one after the other (nnU-Net's way) or as one batch (batch_mirrors), flipped back and
averaged. Returns the weighted logits divided by the
weights. The whole loop is TorchScript, so no Python runs while it is timed.

Usage: python3 -B make_sliding_window.py REFERENCE_DIR OUT.pt
"""
import math
import os
import sys
from typing import List

sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch_unet_step as ref  # noqa: E402

SHAPE, TILE, CLASSES = (64, 96, 96), 32, 3  # z, y, x (the volume is 96 x 96 x 64 in x, y, z)


def starts(size: int, tile: int, step: float = 0.5) -> List[int]:
    n = math.ceil((size - tile) / (tile * step)) + 1
    actual = (size - tile) / (n - 1) if n > 1 else 0
    return [int(round(actual * i)) for i in range(n)]


def gaussian(tile: int) -> torch.Tensor:
    a = np.exp(-0.5 * (np.arange(tile) - tile // 2) ** 2 / (tile / 8) ** 2)
    return torch.from_numpy(np.einsum("i,j,k->ijk", a, a, a).astype(np.float32))


class SlidingWindow(nn.Module):
    def __init__(self, net: nn.Module, image: torch.Tensor):
        super().__init__()
        self.net = net
        self.classes = CLASSES
        self.tile = TILE
        self.zs = starts(SHAPE[0], TILE)
        self.ys = starts(SHAPE[1], TILE)
        self.xs = starts(SHAPE[2], TILE)
        self.register_buffer("weight_map", gaussian(TILE))
        self.register_buffer("image", image)

    def tile_logits(self, x: torch.Tensor, mirror_axes: int) -> torch.Tensor:
        out = self.net(x)[0]
        n = 1
        for combo in range(1, 8):
            if combo & mirror_axes == combo:
                dims: List[int] = []
                if combo & 1:
                    dims.append(4)  # x is the last tensor axis
                if combo & 2:
                    dims.append(3)
                if combo & 4:
                    dims.append(2)
                out = out + torch.flip(self.net(torch.flip(x, dims))[0], dims)
                n += 1
        return out / n

    def tile_logits_batched(self, x: torch.Tensor, mirror_axes: int) -> torch.Tensor:
        # the tile and its mirror images as one batch (PyTorch's CPU convolutions take a much slower path at batch 1)
        flips: List[List[int]] = []
        inputs: List[torch.Tensor] = [x]
        for combo in range(1, 8):
            if combo & mirror_axes == combo:
                dims: List[int] = []
                if combo & 1:
                    dims.append(4)
                if combo & 2:
                    dims.append(3)
                if combo & 4:
                    dims.append(2)
                flips.append(dims)
                inputs.append(torch.flip(x, dims))
        outs = self.net(torch.cat(inputs, 0))[0]
        out = outs[0:1]
        for i in range(len(flips)):
            out = out + torch.flip(outs[i + 1:i + 2], flips[i])
        return out / (len(flips) + 1)

    def forward(self, image: torch.Tensor, mirror_axes: int, batch_mirrors: bool) -> torch.Tensor:
        with torch.no_grad():
            t = self.tile
            logits = torch.zeros(self.classes, image.shape[2], image.shape[3], image.shape[4])
            weight = torch.zeros(image.shape[2], image.shape[3], image.shape[4])
            for z in self.zs:
                for y in self.ys:
                    for x in self.xs:
                        tile = image[:, :, z:z + t, y:y + t, x:x + t]
                        if batch_mirrors:
                            out = self.tile_logits_batched(tile, mirror_axes)[0]
                        else:
                            out = self.tile_logits(tile, mirror_axes)[0]
                        logits[:, z:z + t, y:y + t, x:x + t] += out * self.weight_map
                        weight[z:z + t, y:y + t, x:x + t] += self.weight_map
            return logits / weight


def main():
    torch.manual_seed(0)
    net = ref.UNet(1, CLASSES, [8, 16, 32, 64]).eval()
    image = torch.randn(1, 1, *SHAPE)
    sw = SlidingWindow(net, image).eval()
    scripted = torch.jit.script(sw)
    with torch.no_grad():
        a = scripted(image, 7, False)
        b = sw(image, 7, False)
        c = scripted(image, 7, True)
    assert torch.allclose(a, b, atol=1e-5), "scripted sliding window differs from eager"
    assert torch.allclose(a, c, atol=1e-4), "mirror images as one batch differ from one after the other"
    scripted.save(sys.argv[2])
    print(f"# wrote {sys.argv[2]}: {len(sw.zs) * len(sw.ys) * len(sw.xs)} tiles, torch {torch.__version__}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
