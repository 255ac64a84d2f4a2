package org.backsplit.data.preprocess;

import java.util.TreeSet;

/**
 * Resizing volumes (x fastest, dims {nx, ny, nz}) as nnU-Net's resample_data_or_seg does, axis by axis: output voxel
 * centres map to input coordinates as scikit-image's resize maps them, src = (dst + 0.5) * in / out - 0.5. Images use
 * cubic B-spline interpolation (order 3) as scikit-image's resize with mode 'edge' does it through scipy's zoom: the
 * line extended by 12 copies of its edge values on each side, the spline prefilter run over that, and the spline
 * evaluated at src without clamping. Linear and nearest clamp src to the line (the same as edge extension). Labels are
 * resized per label with linear interpolation and a 0.5 threshold, labels in ascending order (nnU-Net's
 * resize_segmentation with order 1). When the spacing is anisotropic (largest over smallest above 3), the
 * low-resolution axis is resampled separately with nearest neighbour (nnU-Net's order_z = 0) and the other two with the
 * orders above.
 */
public final class Resampling {
    public enum Order {
        NEAREST,
        LINEAR,
        CUBIC
    }

    /** scipy's zoom pads a line by this many edge values before the spline prefilter (mode 'nearest'). */
    private static final int EDGE_PAD = 12;

    /** nnU-Net's separate_z_anisotropy_threshold. */
    public static final double ANISOTROPY = 3;

    private Resampling() {}

    /**
     * The axis to resample on its own when the spacing is anisotropic (largest over smallest above 3): the one axis of
     * largest spacing, or -1 when the spacing is not anisotropic or two or three axes share the largest spacing
     * (nnU-Net's get_lowres_axis then does not resample separately).
     */
    public static int separateAxis(double[] spacing) {
        double max = Math.max(spacing[0], Math.max(spacing[1], spacing[2])),
                min = Math.min(spacing[0], Math.min(spacing[1], spacing[2]));
        if (max / min <= ANISOTROPY) return -1;
        int axis = -1;
        for (int a = 0; a < 3; a++) {
            if (spacing[a] != max) continue;
            if (axis >= 0) return -1;
            axis = a;
        }
        return axis;
    }

    /**
     * nnU-Net's determine_do_sep_z_and_axis: the spacing resampled from decides when it is anisotropic, else the
     * spacing resampled to.
     */
    public static int separateAxis(double[] from, double[] to) {
        if (anisotropic(from)) return separateAxis(from);
        return separateAxis(to);
    }

    private static boolean anisotropic(double[] s) {
        return Math.max(s[0], Math.max(s[1], s[2])) / Math.min(s[0], Math.min(s[1], s[2])) > ANISOTROPY;
    }

    /**
     * An image channel at a new size, resampled from spacing `from` to `to`: cubic, nearest along a separate
     * anisotropic axis.
     */
    public static float[] image(float[] data, int[] dims, int[] newDims, double[] from, double[] to) {
        int sep = separateAxis(from, to);
        Order[] orders = new Order[3];
        for (int a = 0; a < 3; a++) orders[a] = a == sep ? Order.NEAREST : Order.CUBIC;
        return resize(data, dims, newDims, orders);
    }

    /** A label map at a new size, per label: linear (nearest along a separate anisotropic axis), threshold 0.5. */
    public static float[] labels(float[] data, int[] dims, int[] newDims, double[] from, double[] to) {
        int sep = separateAxis(from, to);
        Order[] orders = new Order[3];
        for (int a = 0; a < 3; a++) orders[a] = a == sep ? Order.NEAREST : Order.LINEAR;
        TreeSet<Float> values = new TreeSet<>();
        for (float v : data) values.add(v);
        float[] out = new float[newDims[0] * newDims[1] * newDims[2]];
        float background = values.contains(0f) ? 0f : values.first();
        java.util.Arrays.fill(out, background);
        for (float c : values) {
            float[] mask = new float[data.length];
            for (int i = 0; i < data.length; i++) mask[i] = data[i] == c ? 1f : 0f;
            float[] r = resize(mask, dims, newDims, orders);
            for (int i = 0; i < out.length; i++) if (r[i] >= 0.5f) out[i] = c;
        }
        return out;
    }

    /** Separable resize, one axis at a time (x, then y, then z). */
    public static float[] resize(float[] data, int[] dims, int[] newDims, Order[] orders) {
        float[] cur = data;
        int[] d = dims.clone();
        for (int axis = 0; axis < 3; axis++) {
            if (d[axis] == newDims[axis]) continue;
            cur = resizeAxis(cur, d, axis, newDims[axis], orders[axis]);
            d[axis] = newDims[axis];
        }
        return cur == data ? data.clone() : cur;
    }

    private static float[] resizeAxis(float[] in, int[] dims, int axis, int outLen, Order order) {
        int inLen = dims[axis];
        int stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
        int[] od = dims.clone();
        od[axis] = outLen;
        int lines = dims[0] * dims[1] * dims[2] / inLen;
        float[] out = new float[od[0] * od[1] * od[2]];
        int outStride = axis == 0 ? 1 : axis == 1 ? od[0] : od[0] * od[1];
        double[] line = new double[inLen];
        double[] padded = new double[inLen + 2 * EDGE_PAD], coef = new double[inLen + 2 * EDGE_PAD];
        for (int l = 0; l < lines; l++) {
            // the line's first element: the lines are every position of the other two axes
            int inBase, outBase;
            if (axis == 0) {
                inBase = l * inLen;
                outBase = l * outLen;
            } else if (axis == 1) {
                int x = l % dims[0], z = l / dims[0];
                inBase = z * dims[0] * dims[1] + x;
                outBase = z * od[0] * od[1] + x;
            } else {
                inBase = l;
                outBase = l;
            }
            for (int i = 0; i < inLen; i++) line[i] = in[inBase + i * stride];
            if (order == Order.CUBIC) {
                for (int i = 0; i < EDGE_PAD; i++) {
                    padded[i] = line[0];
                    padded[EDGE_PAD + inLen + i] = line[inLen - 1];
                }
                System.arraycopy(line, 0, padded, EDGE_PAD, inLen);
                prefilter(padded, coef);
            }
            double scale = (double) inLen / outLen;
            for (int o = 0; o < outLen; o++) {
                double unclamped = (o + 0.5) * scale - 0.5;
                double src = Math.min(Math.max(unclamped, 0), inLen - 1);
                double v = switch (order) {
                    case NEAREST -> line[(int) Math.min(inLen - 1, Math.round(src))];
                    case LINEAR -> {
                        int i0 = (int) Math.floor(src), i1 = Math.min(i0 + 1, inLen - 1);
                        double t = src - i0;
                        yield line[i0] * (1 - t) + line[i1] * t;
                    }
                    case CUBIC -> cubic(coef, unclamped + EDGE_PAD);
                };
                out[outBase + o * outStride] = (float) v;
            }
        }
        return out;
    }

    /** Cubic B-spline coefficients of a line (Unser's recursive filter, pole sqrt(3) - 2, mirror boundaries). */
    static void prefilter(double[] s, double[] c) {
        int n = s.length;
        if (n == 1) {
            c[0] = s[0];
            return;
        }
        double z = Math.sqrt(3) - 2, lambda = (1 - z) * (1 - 1 / z);
        for (int i = 0; i < n; i++) c[i] = s[i] * lambda;
        // causal initialisation for mirror-symmetric boundaries, summed to machine precision
        int horizon = Math.min(n, (int) Math.ceil(Math.log(1e-16) / Math.log(Math.abs(z))) + 1);
        double zn = z, sum = c[0];
        for (int k = 1; k < horizon; k++) {
            sum += zn * c[k];
            zn *= z;
        }
        if (horizon == n) { // the exact mirror sum when the horizon covers the line
            zn = z;
            double iz = 1 / z, z2n = Math.pow(z, n - 1);
            sum = c[0] + z2n * c[n - 1];
            z2n *= z2n * iz;
            for (int k = 1; k < n - 1; k++) {
                sum += (zn + z2n) * c[k];
                zn *= z;
                z2n *= iz;
            }
            sum /= 1 - Math.pow(z, 2 * (n - 1));
        }
        c[0] = sum;
        for (int k = 1; k < n; k++) c[k] += z * c[k - 1];
        c[n - 1] = (z / (z * z - 1)) * (z * c[n - 2] + c[n - 1]);
        for (int k = n - 2; k >= 0; k--) c[k] = z * (c[k + 1] - c[k]);
    }

    /** The cubic B-spline with coefficients c at position x (mirror boundaries). */
    static double cubic(double[] c, double x) {
        int n = c.length;
        if (n == 1) return c[0];
        int i = (int) Math.floor(x);
        double t = x - i, v = 0;
        for (int k = -1; k <= 2; k++) {
            double d = Math.abs(t - k);
            double w = d < 1 ? 2.0 / 3 - d * d + d * d * d / 2 : d < 2 ? (2 - d) * (2 - d) * (2 - d) / 6 : 0;
            v += w * c[mirror(i + k, n)];
        }
        return v;
    }

    private static int mirror(int i, int n) {
        int period = 2 * n - 2;
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }
}
