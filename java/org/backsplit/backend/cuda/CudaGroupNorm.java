package org.backsplit.backend.cuda;

import org.backsplit.backend.Backend;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Group norm on the GPU (kernels/group_norm.cu), optionally fused with LeakyReLU; instance norm is one channel per
 * group. Statistics in double over fixed voxel slices summed in order: deterministic.
 */
final class CudaGroupNorm {
    /** LeakyReLU slope that means "no activation" to the kernels. */
    private static final float NO_ACTIVATION = -1f;

    private final CudaRuntime rt;
    private final CudaKernels k;

    CudaGroupNorm(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    /** Voxel slices per sample for the statistics: fixed by the voxel count alone (deterministic). */
    private static int slices(long v) {
        return (int) Math.max(1, Math.min(1024, v / 2048));
    }

    /** slope < 0: no activation. */
    GroupNormOutput forward(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, double slope) {
        Shape s = x.shape();
        int n = s.n(), c = s.c(), per = Backend.channelsPerGroup(c, groups);
        long v = s.spatial();
        int slices = slices(v);
        Shape stats = new Shape(n, c);
        CudaTensor in = CudaBackend.c(x), mean = rt.make(stats), rstd = rt.make(stats), y = rt.make(s);
        Grid sums = Grid.reducing(slices, n), finalize = Grid.perItem((long) n * c);
        try (CudaTensor partial = rt.doubles((long) n * slices * c);
                CudaTensor meanD = rt.doubles((long) n * c)) {
            // two passes: the means, then the squared deviations from them (no cancellation)
            k.group_norm_forward_sums(sums, in, DevicePointer.NULL, c, v, slices, partial);
            k.group_norm_forward_finalize(finalize, partial, n, c, per, slices, v, eps, 0, meanD, mean);
            k.group_norm_forward_sums(sums, in, meanD, c, v, slices, partial);
            k.group_norm_forward_finalize(finalize, partial, n, c, per, slices, v, eps, 1, meanD, rstd);
        }
        k.group_norm_forward_apply(
                Grid.elementwise(s.numel()),
                in,
                mean,
                rstd,
                CudaBackend.c(gamma),
                CudaBackend.c(beta),
                y,
                c,
                v,
                s.numel(),
                slope < 0 ? NO_ACTIVATION : (float) slope);
        return new GroupNormOutput(y, mean, rstd);
    }

    /** y is the forward output when fused with LeakyReLU (slope >= 0), else null. */
    GroupNormGrads backward(
            Tensor dy, Tensor x, Tensor y, double slope, int groups, Tensor gamma, GroupNormOutput saved) {
        Shape s = x.shape();
        int n = s.n(), c = s.c(), per = Backend.channelsPerGroup(c, groups);
        long v = s.spatial();
        int slices = slices(v);
        Shape stats = new Shape(n, c);
        float kernelSlope = slope < 0 ? NO_ACTIVATION : (float) slope;
        DevicePointer out = y == null ? DevicePointer.NULL : CudaBackend.c(y);
        CudaTensor dx = rt.make(s), dgamma = rt.make(new Shape(c)), dbeta = rt.make(new Shape(c));
        CudaTensor g = CudaBackend.c(dy),
                in = CudaBackend.c(x),
                mean = CudaBackend.c(saved.mean()),
                rstd = CudaBackend.c(saved.rstd());
        try (CudaTensor partial = rt.doubles(2L * n * slices * c);
                CudaTensor a = rt.make(stats);
                CudaTensor b = rt.make(stats)) {
            k.group_norm_backward_sums(
                    Grid.reducing(slices, n), g, in, out, kernelSlope, mean, rstd, c, v, slices, partial);
            k.group_norm_backward_finalize(
                    Grid.perItem(c), partial, CudaBackend.c(gamma), n, c, per, slices, v, a, b, dgamma, dbeta);
            k.group_norm_backward_apply(
                    Grid.elementwise(s.numel()),
                    g,
                    in,
                    out,
                    kernelSlope,
                    mean,
                    rstd,
                    CudaBackend.c(gamma),
                    a,
                    b,
                    dx,
                    c,
                    v,
                    s.numel());
        }
        return new GroupNormGrads(dx, dgamma, dbeta);
    }
}
