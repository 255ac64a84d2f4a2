package org.backsplit.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first. Activations are channels-last: [N, D, H, W, C], because
 * tensor-core convolution and our CPU im2col both want the channels of one voxel contiguous.
 */
public record Shape(int... dims) {

    public Shape {
        dims = dims.clone();
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
        }
    }

    /** An activation shape [N, D, H, W, C]. */
    public static Shape ndhwc(int n, int d, int h, int w, int c) {
        return new Shape(n, d, h, w, c);
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    public long numel() {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** The element count as an int; storage on the CPU is one Java array. */
    public int size() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large for one array: " + this);
        return (int) n;
    }

    // Accessors for the 5D activation layout.
    public int n() { return dims[0]; }
    public int d() { return dims[1]; }
    public int h() { return dims[2]; }
    public int w() { return dims[3]; }
    public int c() { return dims[4]; }

    /** Voxels per sample of an activation: D*H*W. */
    public int spatial() {
        return dims[1] * dims[2] * dims[3];
    }

    /** The same spatial extent with another channel count. */
    public Shape withChannels(int c) {
        return new Shape(dims[0], dims[1], dims[2], dims[3], c);
    }

    public int[] dims() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
