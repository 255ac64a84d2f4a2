package org.backsplit.infer;

import java.util.Arrays;

/**
 * The order in which a model sees a volume's axes: nnU-Net's transpose_forward, which puts the axis of lowest
 * resolution first (the identity for most datasets). Volumes are x fastest with dims {nx, ny, nz}; nnU-Net numbers the
 * array axes z, y, x.
 *
 * @param source for each axis of the model's frame {x', y', z'}, the volume axis it comes from
 */
public record AxisOrder(int[] source) {
    public static final AxisOrder IDENTITY = new AxisOrder(new int[] {0, 1, 2});

    public AxisOrder {
        if (source.length != 3 || !Arrays.equals(Arrays.stream(source).sorted().toArray(), new int[] {0, 1, 2}))
            throw new IllegalArgumentException(
                    "an axis order is a permutation of 0, 1, 2, not " + Arrays.toString(source));
        source = source.clone();
    }

    /**
     * nnU-Net's transpose_forward t (array axes z, y, x: the model's array axis j is the image's array axis t[j]) in
     * our axis numbering.
     */
    public static AxisOrder ofNnUNetTranspose(int[] transposeForward) {
        int[] source = new int[3];
        for (int a = 0; a < 3; a++) source[a] = 2 - transposeForward[2 - a];
        return new AxisOrder(source);
    }

    /** nnU-Net's transpose_forward for this order. */
    public int[] nnUNetTranspose() {
        int[] t = new int[3];
        for (int j = 0; j < 3; j++) t[j] = 2 - source[2 - j];
        return t;
    }

    public boolean isIdentity() {
        return source[0] == 0 && source[1] == 1 && source[2] == 2;
    }

    /** The dims in the model's frame. */
    public int[] dims(int[] dims) {
        return new int[] {dims[source[0]], dims[source[1]], dims[source[2]]};
    }

    public double[] spacing(double[] spacing) {
        return new double[] {spacing[source[0]], spacing[source[1]], spacing[source[2]]};
    }

    /** A volume of dims `dims` in the model's frame. */
    public float[] forward(float[] volume, int[] dims) {
        return isIdentity() ? volume : permute(volume, dims, true);
    }

    /** A volume of the model's frame (its dims are {@link #dims}(`dims`)) back in the image's axes `dims`. */
    public float[] backward(float[] volume, int[] dims) {
        return isIdentity() ? volume : permute(volume, dims, false);
    }

    private float[] permute(float[] volume, int[] dims, boolean forward) {
        int[] to = dims(dims);
        float[] out = new float[volume.length];
        int[] idx = new int[3]; // image coordinates x, y, z
        for (idx[2] = 0; idx[2] < dims[2]; idx[2]++)
            for (idx[1] = 0; idx[1] < dims[1]; idx[1]++)
                for (idx[0] = 0; idx[0] < dims[0]; idx[0]++) {
                    int image = (idx[2] * dims[1] + idx[1]) * dims[0] + idx[0];
                    int model = (idx[source[2]] * to[1] + idx[source[1]]) * to[0] + idx[source[0]];
                    if (forward) out[model] = volume[image];
                    else out[image] = volume[model];
                }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AxisOrder a && Arrays.equals(source, a.source);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(source);
    }

    @Override
    public String toString() {
        return "AxisOrder" + Arrays.toString(source);
    }
}
