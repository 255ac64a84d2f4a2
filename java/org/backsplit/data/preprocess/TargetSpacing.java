package org.backsplit.data.preprocess;

import java.util.Arrays;
import java.util.List;

/**
 * nnU-Net's full-resolution target spacing: the median spacing per axis, except for datasets with one axis of much
 * lower resolution (spacing over 3 times the others) and much fewer voxels (3 times fewer): there that axis takes the
 * 10th percentile of its spacings, but never finer than the other axes (plus 1e-5). Percentiles as numpy computes them
 * (linear interpolation).
 */
public final class TargetSpacing {
    private static final double ANISOTROPY = 3;

    private TargetSpacing() {}

    /**
     * @param spacings every training case's spacing
     * @param shapes every case's shape after cropping, in the same axis order
     */
    public static double[] fullres(List<double[]> spacings, List<int[]> shapes) {
        int dims = spacings.get(0).length;
        double[] target = new double[dims], size = new double[dims];
        for (int a = 0; a < dims; a++) {
            final int axis = a;
            target[a] = percentile(spacings.stream().mapToDouble(s -> s[axis]).toArray(), 50);
            size[a] = percentile(shapes.stream().mapToDouble(s -> s[axis]).toArray(), 50);
        }
        int worst = 0;
        for (int a = 1; a < dims; a++) if (target[a] > target[worst]) worst = a;
        double maxOtherSpacing = 0, minOtherSize = Double.MAX_VALUE;
        for (int a = 0; a < dims; a++) {
            if (a == worst) continue;
            maxOtherSpacing = Math.max(maxOtherSpacing, target[a]);
            minOtherSize = Math.min(minOtherSize, size[a]);
        }
        boolean anisoSpacing = target[worst] > ANISOTROPY * maxOtherSpacing;
        boolean anisoVoxels = size[worst] * ANISOTROPY < minOtherSize;
        if (anisoSpacing && anisoVoxels) {
            final int w = worst;
            double t = percentile(spacings.stream().mapToDouble(s -> s[w]).toArray(), 10);
            if (t < maxOtherSpacing) t = Math.max(maxOtherSpacing, t) + 1e-5;
            target[worst] = t;
        }
        return target;
    }

    static double percentile(double[] values, double q) {
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = q / 100 * (v.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(lo + 1, v.length - 1);
        return v[lo] + (pos - lo) * (v[hi] - v[lo]);
    }
}
