package org.backsplit.data.geometry;

import java.util.stream.IntStream;

/**
 * The exact Euclidean distance transform with anisotropic spacing, separable and linear in the voxel count
 * (Felzenszwalb and Huttenlocher's lower envelope of parabolas, one axis after the other). Volumes are x fastest with
 * dims {nx, ny, nz}.
 */
public final class DistanceTransform {
    private static final double FAR = 1e30;

    private DistanceTransform() {}

    /** Squared distance (in the spacing's units) from every voxel to the nearest voxel of `mask`; FAR^2-ish if none. */
    public static double[] squared(boolean[] mask, int[] dims, double[] spacing) {
        double[] d = new double[mask.length];
        for (int i = 0; i < d.length; i++) d[i] = mask[i] ? 0 : FAR;
        for (int axis = 0; axis < 3; axis++) {
            int n = dims[axis];
            if (n == 1) continue;
            int stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
            double w = spacing[axis] * spacing[axis];
            int lines = d.length / n;
            // lines are independent: split them over the cores (each line's result does not depend on the split)
            int chunks = Math.min(lines, 4 * Runtime.getRuntime().availableProcessors());
            final int a = axis;
            IntStream.range(0, chunks).parallel().forEach(c -> {
                double[] f = new double[n], out = new double[n], z = new double[n + 1];
                int[] v = new int[n];
                for (int l = (int) ((long) lines * c / chunks), end = (int) ((long) lines * (c + 1) / chunks);
                        l < end;
                        l++) {
                    int base = a == 0 ? l * n : a == 1 ? (l / dims[0]) * dims[0] * dims[1] + l % dims[0] : l;
                    for (int i = 0; i < n; i++) f[i] = d[base + i * stride];
                    envelope(f, n, w, out, v, z);
                    for (int i = 0; i < n; i++) d[base + i * stride] = out[i];
                }
            });
        }
        return d;
    }

    /** Distances (not squared). */
    public static double[] distances(boolean[] mask, int[] dims, double[] spacing) {
        double[] d = squared(mask, dims, spacing);
        for (int i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
        return d;
    }

    /** out[q] = min_p f[p] + w (q - p)^2. */
    private static void envelope(double[] f, int n, double w, double[] out, int[] v, double[] z) {
        int k = 0;
        v[0] = 0;
        z[0] = Double.NEGATIVE_INFINITY;
        z[1] = Double.POSITIVE_INFINITY;
        for (int q = 1; q < n; q++) {
            double s;
            while (true) {
                int p = v[k];
                s = ((f[q] + w * q * q) - (f[p] + w * p * p)) / (2 * w * (q - p));
                if (s <= z[k] && k > 0) k--;
                else break;
            }
            if (s <= z[k]) { // k == 0 and the new parabola is lower everywhere
                v[0] = q;
                z[0] = Double.NEGATIVE_INFINITY;
                z[1] = Double.POSITIVE_INFINITY;
                continue;
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = Double.POSITIVE_INFINITY;
        }
        k = 0;
        for (int q = 0; q < n; q++) {
            while (z[k + 1] < q) k++;
            int p = v[k];
            out[q] = w * (q - p) * (q - p) + f[p];
        }
    }
}
