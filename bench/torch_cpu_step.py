"""PyTorch's CPU time for the demo-size training step, with the shared reference's network and loss.

Runs ../shared/reference/torch_unet_step.py's `run` (nnU-Net-style U-Net, deep supervision, DC+CE, SGD
Nesterov) for 4 stages 8..64 at 32^3, batch 2, 4 classes, fp32, on the CPU with a fixed thread count.
Usage: python3 bench/torch_cpu_step.py REFERENCE_DIR THREADS STEPS
Prints one JSON line (ms_step is the median).
"""
import sys

import torch

sys.path.insert(0, sys.argv[1])
import torch_unet_step as ref  # noqa: E402

torch.set_num_threads(int(sys.argv[2]))
ref.run("demo32", "cpu", [8, 16, 32, 64], (32, 32, 32), 2, 4, "fp32", int(sys.argv[3]), 3)
