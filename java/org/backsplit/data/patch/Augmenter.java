package org.backsplit.data.patch;

import org.backsplit.data.preprocess.Resampling;
import org.backsplit.util.Rng;

/**
 * nnU-Net's default intensity augmentations and mirroring, with its probabilities, applied in place to one patch
 * (channels and labels x fastest, dims {nx, ny, nz}), in nnU-Net's order: Gaussian noise (p 0.1; batchgenerators uses
 * the drawn "variance" as the standard deviation, and so do we), Gaussian blur (p 0.2, each channel 0.5, sigma 0.5-1),
 * multiplicative brightness (p 0.15, 0.75-1.25), contrast (p 0.15, 0.75-1.25, range preserved), low-resolution
 * simulation (p 0.25, each channel 0.5, zoom 0.5-1: nearest down, cubic up), gamma on the inverted image (p 0.1) and on
 * the image (p 0.3) (0.7-1.5, mean and std retained), mirroring (each axis 0.5), and finally label -1 (outside the
 * image) to 0. Rotation and scaling are not here. All randomness comes from the given Rng.
 */
public final class Augmenter {
    private final boolean[] mirrorAxes;
    private final boolean intensity;

    /** @param intensity false keeps only mirroring (and the outside-to-background mapping) */
    public Augmenter(boolean[] mirrorAxes, boolean intensity) {
        this.mirrorAxes = mirrorAxes.clone();
        this.intensity = intensity;
    }

    /** nnU-Net's defaults: every intensity augmentation, mirroring along all three axes. */
    public static Augmenter nnUNet() {
        return new Augmenter(new boolean[] {true, true, true}, true);
    }

    public void apply(float[][] channels, float[] labels, int[] dims, Rng rng) {
        if (intensity) intensity(channels, dims, rng);
        for (int a = 0; a < 3; a++) {
            if (mirrorAxes[a] && rng.nextDouble() < 0.5) {
                for (float[] c : channels) mirror(c, dims, a);
                mirror(labels, dims, a);
            }
        }
        for (int i = 0; i < labels.length; i++) if (labels[i] == -1) labels[i] = 0;
    }

    private void intensity(float[][] channels, int[] dims, Rng rng) {
        if (rng.nextDouble() < 0.1) {
            double sd = uniform(rng, 0, 0.1);
            for (float[] c : channels) for (int i = 0; i < c.length; i++) c[i] += (float) (rng.nextGaussian() * sd);
        }
        if (rng.nextDouble() < 0.2) {
            for (float[] c : channels) if (rng.nextDouble() < 0.5) blur(c, dims, uniform(rng, 0.5, 1.0));
        }
        if (rng.nextDouble() < 0.15) {
            for (float[] c : channels) scale(c, (float) uniform(rng, 0.75, 1.25));
        }
        if (rng.nextDouble() < 0.15) {
            for (float[] c : channels) contrast(c, rangeAroundOne(rng, 0.75, 1.25));
        }
        if (rng.nextDouble() < 0.25) {
            for (int ch = 0; ch < channels.length; ch++) {
                if (rng.nextDouble() < 0.5) channels[ch] = lowResolution(channels[ch], dims, uniform(rng, 0.5, 1.0));
            }
        }
        if (rng.nextDouble() < 0.1) for (float[] c : channels) gamma(c, rangeAroundOne(rng, 0.7, 1.5), true);
        if (rng.nextDouble() < 0.3) for (float[] c : channels) gamma(c, rangeAroundOne(rng, 0.7, 1.5), false);
    }

    static double uniform(Rng rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    /** batchgenerators' draw for ranges around 1: half the time below 1, half above. */
    static double rangeAroundOne(Rng rng, double lo, double hi) {
        return rng.nextDouble() < 0.5 && lo < 1 ? uniform(rng, lo, 1) : uniform(rng, Math.max(lo, 1), hi);
    }

    static void scale(float[] c, float factor) {
        for (int i = 0; i < c.length; i++) c[i] *= factor;
    }

    static void contrast(float[] c, double factor) {
        double mean = 0;
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : c) {
            mean += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        mean /= c.length;
        for (int i = 0; i < c.length; i++) c[i] = (float) Math.min(max, Math.max(min, (c[i] - mean) * factor + mean));
    }

    static void gamma(float[] c, double g, boolean invert) {
        if (invert) scale(c, -1);
        double[] ms = meanStd(c);
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : c) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double range = max - min;
        for (int i = 0; i < c.length; i++) c[i] = (float) (Math.pow((c[i] - min) / (range + 1e-7), g) * range + min);
        double[] after = meanStd(c);
        for (int i = 0; i < c.length; i++) c[i] = (float) ((c[i] - after[0]) / (after[1] + 1e-8) * ms[1] + ms[0]);
        if (invert) scale(c, -1);
    }

    static double[] meanStd(float[] c) {
        double m = 0, s = 0;
        for (float v : c) m += v;
        m /= c.length;
        for (float v : c) s += (v - m) * (v - m);
        return new double[] {m, Math.sqrt(s / c.length)};
    }

    /** scipy.ndimage.gaussian_filter: separable, truncated at 4 sigma, 'reflect' boundaries. */
    static void blur(float[] c, int[] dims, double sigma) {
        int radius = (int) (4 * sigma + 0.5);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        for (int axis = 0; axis < 3; axis++) {
            int n = dims[axis];
            if (n == 1) continue;
            int stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1];
            float[] line = new float[n];
            int lines = c.length / n;
            for (int l = 0; l < lines; l++) {
                int base = axis == 0 ? l * n : axis == 1 ? (l / dims[0]) * dims[0] * dims[1] + l % dims[0] : l;
                for (int i = 0; i < n; i++) line[i] = c[base + i * stride];
                for (int i = 0; i < n; i++) {
                    double acc = 0;
                    for (int j = -radius; j <= radius; j++) acc += k[j + radius] * line[reflect(i + j, n)];
                    c[base + i * stride] = (float) acc;
                }
            }
        }
    }

    /** scipy's 'reflect' (d c b a | a b c d | d c b a). */
    static int reflect(int i, int n) {
        int period = 2 * n;
        i = Math.floorMod(i, period);
        return i < n ? i : period - 1 - i;
    }

    static float[] lowResolution(float[] c, int[] dims, double zoom) {
        int[] small = new int[3];
        for (int a = 0; a < 3; a++) small[a] = Math.max(1, (int) Math.round(dims[a] * zoom));
        Resampling.Order[] nearest = {Resampling.Order.NEAREST, Resampling.Order.NEAREST, Resampling.Order.NEAREST};
        Resampling.Order[] cubic = {Resampling.Order.CUBIC, Resampling.Order.CUBIC, Resampling.Order.CUBIC};
        return Resampling.resize(Resampling.resize(c, dims, small, nearest), small, dims, cubic);
    }

    static void mirror(float[] c, int[] dims, int axis) {
        int nx = dims[0], ny = dims[1], nz = dims[2];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    int mx = axis == 0 ? nx - 1 - x : x,
                            my = axis == 1 ? ny - 1 - y : y,
                            mz = axis == 2 ? nz - 1 - z : z;
                    int i = (z * ny + y) * nx + x, j = (mz * ny + my) * nx + mx;
                    if (i < j) {
                        float t = c[i];
                        c[i] = c[j];
                        c[j] = t;
                    }
                }
    }
}
