package org.backsplit.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first. Activations are channels-last: [N, D, H, W, C], because tensor-core
 * convolution and our CPU convolution both want the channels of one voxel contiguous.
 *
 * <p>Two axis orders meet in this engine: image files, plans and sliding windows list a grid's sizes as (x, y, z),
 * fastest first; tensors list them as (D, H, W) = (z, y, x), outermost first. The factories taking `xyz` arrays below
 * are the only places one order turns into the other.
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

    /** [N, D, H, W, C] of a grid whose sizes are given as (x, y, z). */
    public static Shape ndhwcOfXyz(int n, int[] xyz, int c) {
        return ndhwc(n, xyz[2], xyz[1], xyz[0], c);
    }

    /** [z, y, x] of a grid given as (x, y, z), after any leading dimensions: channels-first arrays, label maps. */
    public static Shape zyxOfXyz(int[] xyz, int... leading) {
        int[] dims = Arrays.copyOf(leading, leading.length + 3);
        for (int a = 0; a < 3; a++) dims[leading.length + a] = xyz[2 - a];
        return new Shape(dims);
    }

    /** The (x, y, z) sizes of the last three dimensions: the inverse of {@link #zyxOfXyz}. */
    public int[] xyzOfLastThree() {
        int r = dims.length;
        return new int[] {dims[r - 1], dims[r - 2], dims[r - 3]};
    }

    /** Three per-axis values in the other axis order: (x, y, z) to (z, y, x) and back. */
    public static int[] reverseAxes(int[] v) {
        if (v.length != 3) throw new IllegalArgumentException("three axes expected, not " + Arrays.toString(v));
        return new int[] {v[2], v[1], v[0]};
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
    public int n() {
        return dims[0];
    }

    public int d() {
        return dims[1];
    }

    public int h() {
        return dims[2];
    }

    public int w() {
        return dims[3];
    }

    public int c() {
        return dims[4];
    }

    /** The last axis: a row's width for the operations that work on rows (layer norm, row gathers, attention). */
    public int last() {
        return dims[dims.length - 1];
    }

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
