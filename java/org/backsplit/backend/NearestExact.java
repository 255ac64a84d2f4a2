package org.backsplit.backend;

/**
 * The index rule of {@link Backend#downsampleLabels}, shared by the CPU and reference backends (the CUDA kernel
 * computes the same expression): PyTorch's interpolate(mode='nearest-exact').
 */
public final class NearestExact {
    private NearestExact() {}

    /** The source voxel, of `in` along an axis, whose centre is nearest to output voxel `dst` of `out`. */
    public static int source(int dst, int in, int out) {
        return Math.min((int) Math.floor((dst + 0.5) * in / out), in - 1);
    }
}
