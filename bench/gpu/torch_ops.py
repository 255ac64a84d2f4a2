"""PyTorch eager (cuDNN where it applies) timings of the ops that bench/java/.../CudaOpsBench times, on the
same card, for the comparison table. NCDHW, as nnU-Net runs them (the convolutions also NDHWC). Usage:
python3 torch_ops.py [SIZE] [C]"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

size = int(sys.argv[1]) if len(sys.argv) > 1 else 128
c = int(sys.argv[2]) if len(sys.argv) > 2 else 32
dev = "cuda"
torch.backends.cudnn.benchmark = True
name = torch.cuda.get_device_name()


def timed(fn):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    e0, e1 = torch.cuda.Event(True), torch.cuda.Event(True)
    groups = []
    for _ in range(7):
        e0.record()
        for _ in range(10):
            fn()
        e1.record()
        torch.cuda.synchronize()
        groups.append(e0.elapsed_time(e1) / 10)
    groups.sort()
    return groups[len(groups) // 2]


def report(op, shape, ms):
    print(json.dumps(dict(engine="pytorch " + torch.__version__, op=op, shape=shape, ms=round(ms, 4), device=name)), flush=True)


shape = f"2x{c}x{size}^3"
x = torch.randn(2, c, size, size, size, device=dev, requires_grad=True)
g = torch.randn_like(x)
norm = nn.InstanceNorm3d(c, eps=1e-5, affine=True).to(dev)
act = nn.LeakyReLU(0.01)
report("instance_norm_forward", shape, timed(lambda: norm(x)))
with torch.no_grad():
    report("instance_norm+leaky_relu_forward (fused)", shape, timed(lambda: act(norm(x))))


def norm_backward():
    y = norm(x)
    y.backward(g)


report("instance_norm forward+backward", shape, timed(norm_backward))


def norm_act_backward():
    y = act(norm(x))
    y.backward(g)


report("instance_norm+leaky_relu forward+backward (fused)", shape, timed(norm_act_backward))
gn = nn.GroupNorm(8, c, eps=1e-5).to(dev)
with torch.no_grad():
    report("group_norm_forward (8 groups)", shape, timed(lambda: gn(x)))


def gn_backward():
    gn(x).backward(g)


report("group_norm forward+backward (8 groups)", shape, timed(gn_backward))
with torch.no_grad():
    half = torch.randn(2, c, size // 2, size // 2, size // 2, device=dev)
    report("avg_pool_forward 2x2x2", shape, timed(lambda: F.avg_pool3d(x, 2, 2)))
    report("trilinear_upsample_forward x2", f"2x{c}x{size // 2}^3->{size}^3",
           timed(lambda: F.interpolate(half, scale_factor=2, mode="trilinear", align_corners=False)))
report("leaky_relu_forward", shape, timed(lambda: F.leaky_relu(x, 0.01)))
report("concat_channels (C+C)", shape, timed(lambda: torch.cat([x, g], 1)))

logits = torch.randn(2, 3, size, size, size, device=dev, requires_grad=True)
target = torch.randint(0, 3, (2, size, size, size), device=dev)


def dc_ce():
    ce = F.cross_entropy(logits, target)
    p = logits.softmax(1)
    oh = F.one_hot(target, 3).permute(0, 4, 1, 2, 3).to(p.dtype)
    axes = (0, 2, 3, 4)
    tp, sp, sg = (p * oh).sum(axes), p.sum(axes), oh.sum(axes)
    dc = (2 * tp + 1e-5) / torch.clip(sp + sg + 1e-5, 1e-8)
    (ce - dc[1:].mean()).backward()


report("dice_ce forward+backward (3 classes)", f"2x3x{size}^3", timed(dc_ce))
report("cross_entropy forward+backward only (3 classes)", f"2x3x{size}^3", timed(lambda: F.cross_entropy(logits, target).backward()))

p = torch.randn(31_197_204, device=dev, requires_grad=True)
p.grad = torch.randn_like(p)
opt = torch.optim.SGD([p], lr=1e-6, momentum=0.99, nesterov=True, weight_decay=3e-5)
opt.step()
report("sgd_step (31.2M params)", "31197204", timed(opt.step))
report("sum_of_squares (31.2M)", "31197204", timed(lambda: torch.nn.utils.clip_grad_norm_([p], 1e9)))


# The three passes of the dominant 3x3x3 convolutions, as CudaOpsBench times them: true fp32, then TF32
# ("_tf32") and BF16 ("_bf16"), cuDNN with benchmark mode, in NCDHW (as nnU-Net runs them) and in NDHWC ("_ndhwc",
# channels_last_3d, cuDNN's native layout on sm_90 and ours); "GBps" is GFLOP/s, as on our side.
# "_bf16": bf16 tensors, as autocast runs the convolutions (ours keeps fp32 tensors and multiplies in bf16).
for level, mode, layout in [(lv, m, lay) for m in ("fp32", "tf32", "bf16") for lay in ("ncdhw", "ndhwc") for lv in range(3)]:
    torch.backends.cudnn.allow_tf32 = mode == "tf32"
    dtype = torch.bfloat16 if mode == "bf16" else torch.float32
    suffix = ("" if mode == "fp32" else "_" + mode) + ("_ndhwc" if layout == "ndhwc" else "")
    fmt = torch.channels_last_3d if layout == "ndhwc" else torch.contiguous_format
    cc, d = 32 << level, size >> level
    xc = torch.randn(2, cc, d, d, d, device=dev, dtype=dtype).contiguous(memory_format=fmt)
    wc = torch.randn(cc, cc, 3, 3, 3, device=dev, dtype=dtype).contiguous(memory_format=fmt)
    bc = torch.randn(cc, device=dev, dtype=dtype)
    dyc = torch.randn(2, cc, d, d, d, device=dev, dtype=dtype).contiguous(memory_format=fmt)
    flops = 2 * 2 * d ** 3 * 27 * cc * cc
    shp = f"2x{cc}x{d}^3 3x3x3 C{cc}->{cc}"
    for op, fn in [("conv3d_forward", lambda: F.conv3d(xc, wc, bc, padding=1)),
                   ("conv3d_backward_data", lambda: torch.nn.grad.conv3d_input(xc.shape, wc, dyc, padding=1)),
                   ("conv3d_backward_weight", lambda: torch.nn.grad.conv3d_weight(xc, wc.shape, dyc, padding=1))]:
        ms = timed(fn)
        print(json.dumps(dict(engine="pytorch " + torch.__version__, op=op + suffix, shape=shp, ms=round(ms, 4),
                              GBps=round(flops / ms / 1e6), device=name)), flush=True)
