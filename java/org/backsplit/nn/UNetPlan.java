package org.backsplit.nn;

import java.util.Arrays;

/**
 * The topology of a network (see {@link Architecture}): per stage its width, kernel and stride (stage 0 has stride 1),
 * and the blocks per encoder and decoder stage: convolutions for the plain U-Nets, residual blocks in the residual
 * encoder (its decoder: convolutions), MONAI's blocks_down / blocks_up for SegResNet. Every field is visible in a
 * state_dict's shapes and names.
 */
public record UNetPlan(
        int inputChannels,
        int numClasses,
        int[] features,
        int[][] kernels,
        int[][] strides,
        int[] convsPerEncoderStage,
        int[] convsPerDecoderStage) {

    public UNetPlan {
        int n = features.length;
        if (n < 2) throw new IllegalArgumentException("a U-Net needs at least 2 stages");
        if (kernels.length != n
                || strides.length != n
                || convsPerEncoderStage.length != n
                || convsPerDecoderStage.length != n - 1) {
            throw new IllegalArgumentException("plan lists disagree on the number of stages (" + n + ")");
        }
        if (inputChannels < 1 || numClasses < 2)
            throw new IllegalArgumentException("need >= 1 input channel and >= 2 classes");
        for (int s = 0; s < n; s++) {
            if (kernels[s].length != 3 || strides[s].length != 3)
                throw new IllegalArgumentException("stage " + s + ": 3 axes expected");
            for (int a = 0; a < 3; a++) {
                if (kernels[s][a] % 2 == 0) throw new IllegalArgumentException("stage " + s + ": kernels must be odd");
            }
        }
        features = features.clone();
        kernels = deepClone(kernels);
        strides = deepClone(strides);
        convsPerEncoderStage = convsPerEncoderStage.clone();
        convsPerDecoderStage = convsPerDecoderStage.clone();
    }

    /**
     * nnU-Net's defaults: features min(base * 2^i, cap), 3x3x3 kernels, stride 1 then 2, two convolutions per stage in
     * encoder and decoder.
     */
    public static UNetPlan isotropic(int inputChannels, int numClasses, int stages, int base, int cap) {
        int[][] kernels = new int[stages][], strides = new int[stages][];
        for (int s = 0; s < stages; s++) {
            kernels[s] = new int[] {3, 3, 3};
            strides[s] = s == 0 ? new int[] {1, 1, 1} : new int[] {2, 2, 2};
        }
        return withKernelsAndStrides(inputChannels, numClasses, base, cap, kernels, strides);
    }

    /** nnU-Net's widths and two convolutions per stage, with per-axis kernels and strides (anisotropic plans). */
    public static UNetPlan withKernelsAndStrides(
            int inputChannels, int numClasses, int base, int cap, int[][] kernels, int[][] strides) {
        int stages = kernels.length;
        int[] features = new int[stages], enc = new int[stages], dec = new int[stages - 1];
        for (int s = 0; s < stages; s++) {
            features[s] = (int) Math.min((long) base << s, cap);
            enc[s] = 2;
        }
        Arrays.fill(dec, 2);
        return new UNetPlan(inputChannels, numClasses, features, kernels, strides, enc, dec);
    }

    public int stages() {
        return features.length;
    }

    /**
     * The smallest input size {x, y, z} at least `wanted` that the network takes: each axis rounded up to a multiple of
     * the product of the strides along it (strides are listed z, y, x).
     */
    public int[] roundUpInputSize(int[] wanted) {
        if (wanted.length != 3)
            throw new IllegalArgumentException("an input size has 3 axes x,y,z, not " + wanted.length);
        int[] out = new int[3];
        for (int a = 0; a < 3; a++) {
            if (wanted[a] < 1)
                throw new IllegalArgumentException("input sizes must be positive: " + Arrays.toString(wanted));
            int step = 1;
            for (int[] s : strides) step *= s[2 - a];
            out[a] = (wanted[a] + step - 1) / step * step;
        }
        return out;
    }

    /** The total downsampling factor per axis: a patch must be divisible by it. */
    public int[] totalStride() {
        int[] t = {1, 1, 1};
        for (int[] s : strides) for (int a = 0; a < 3; a++) t[a] *= s[a];
        return t;
    }

    private static int[][] deepClone(int[][] a) {
        int[][] c = new int[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetPlan p
                && inputChannels == p.inputChannels
                && numClasses == p.numClasses
                && Arrays.equals(features, p.features)
                && Arrays.deepEquals(kernels, p.kernels)
                && Arrays.deepEquals(strides, p.strides)
                && Arrays.equals(convsPerEncoderStage, p.convsPerEncoderStage)
                && Arrays.equals(convsPerDecoderStage, p.convsPerDecoderStage);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(features) * 31 + numClasses;
    }

    @Override
    public String toString() {
        return "UNetPlan[in=" + inputChannels + ", classes=" + numClasses + ", features=" + Arrays.toString(features)
                + ", kernels=" + Arrays.deepToString(kernels) + ", strides=" + Arrays.deepToString(strides)
                + ", convs=" + Arrays.toString(convsPerEncoderStage) + "/" + Arrays.toString(convsPerDecoderStage)
                + "]";
    }
}
