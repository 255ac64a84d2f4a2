package org.backsplit.data.preprocess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.backsplit.tensor.Shape;

/**
 * nnU-Net's get_pool_and_conv_props: the U-Net topology for a spacing and a patch size. Repeatedly pool (by 2) every
 * axis whose feature map is still at least 2 x 4 voxels and whose spacing is within a factor 2 of the finest; a lone
 * such axis is pooled only while at least 3 x 4 voxels remain. An axis's kernel becomes 3 once its spacing is within a
 * factor 2 of the finest, and stays 3; the bottleneck is 3x3x3. The patch is then padded to a multiple of 2^(pools per
 * axis).
 */
public record Topology(int[][] strides, int[][] kernels, int[] patch, int[] divisibleBy) {
    private static final int MIN_FEATURE_MAP = 4;

    public static Topology of(double[] spacing, int[] patchSize) {
        int dim = spacing.length;
        double[] sp = spacing.clone();
        double[] size = new double[dim];
        for (int a = 0; a < dim; a++) size[a] = patchSize[a];
        int[] kernel = new int[dim], pools = new int[dim];
        Arrays.fill(kernel, 1);
        List<int[]> strides = new ArrayList<>(), kernels = new ArrayList<>();
        int[] ones = new int[dim];
        Arrays.fill(ones, 1);
        strides.add(ones);
        while (true) {
            List<Integer> valid = new ArrayList<>();
            for (int a = 0; a < dim; a++) if (size[a] >= 2 * MIN_FEATURE_MAP) valid.add(a);
            if (valid.isEmpty()) break;
            double minValid = Double.MAX_VALUE;
            for (int a : valid) minValid = Math.min(minValid, sp[a]);
            final double m = minValid;
            valid.removeIf(a -> sp[a] / m >= 2);
            if (valid.size() == 1 && size[valid.get(0)] < 3 * MIN_FEATURE_MAP) break;
            if (valid.isEmpty()) break;
            double minAll = Arrays.stream(sp).min().orElseThrow();
            for (int a = 0; a < dim; a++) if (kernel[a] != 3 && sp[a] / minAll < 2) kernel[a] = 3;
            int[] stride = new int[dim];
            for (int a = 0; a < dim; a++) {
                if (valid.contains(a)) {
                    stride[a] = 2;
                    pools[a]++;
                    sp[a] *= 2;
                    size[a] = Math.ceil(size[a] / 2);
                } else {
                    stride[a] = 1;
                }
            }
            strides.add(stride);
            kernels.add(kernel.clone());
        }
        int[] three = new int[dim];
        Arrays.fill(three, 3);
        kernels.add(three);
        int[] div = new int[dim], patch = new int[dim];
        for (int a = 0; a < dim; a++) {
            div[a] = 1 << pools[a];
            patch[a] = (patchSize[a] + div[a] - 1) / div[a] * div[a];
        }
        return new Topology(strides.toArray(new int[0][]), kernels.toArray(new int[0][]), patch, div);
    }

    /** The strides in the network's axis order (D, H, W) = (z, y, x). */
    public int[][] stridesZyx() {
        return reversed(strides);
    }

    /** The kernels in the network's axis order (D, H, W) = (z, y, x). */
    public int[][] kernelsZyx() {
        return reversed(kernels);
    }

    private static int[][] reversed(int[][] perStage) {
        int[][] out = new int[perStage.length][];
        for (int i = 0; i < perStage.length; i++) out[i] = Shape.reverseAxes(perStage[i]);
        return out;
    }
}
