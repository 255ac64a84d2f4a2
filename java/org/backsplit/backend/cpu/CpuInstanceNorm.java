package org.backsplit.backend.cpu;

/**
 * Instance norm over NDHWC on the CPU. Statistics are per (sample, channel) over D*H*W; in channels-last
 * memory one voxel's channels are adjacent, so each slice of voxels accumulates all channels at once into
 * double partial sums. Slices are fixed by the voxel count alone and summed in order: deterministic.
 * Two passes for the variance (mean first) keep it accurate when |mean| >> std.
 */
final class CpuInstanceNorm {
    private static final int VOXELS_PER_SLICE = 4096;

    private final Parallel parallel;

    CpuInstanceNorm(Parallel parallel) {
        this.parallel = parallel;
    }

    /** Returns {y, mean[N*C], rstd[N*C]}; with slope >= 0, y is LeakyReLU(norm(x)) (slope < 0: no activation). */
    float[][] forward(float[] x, int n, int v, int c, float[] gamma, float[] beta, double eps, float slope) {
        int slices = slices(v);
        double[][] sums = new double[n * slices][];
        parallel.forEach(n * slices, job -> sums[job] = channelSums(x, job / slices, v, c, slices, job % slices, null));
        float[] mean = new float[n * c];
        double[] meanD = new double[n * c];
        for (int s = 0; s < n; s++) {
            double[] total = reduce(sums, s * slices, slices, c);
            for (int ch = 0; ch < c; ch++) {
                meanD[s * c + ch] = total[ch] / v;
                mean[s * c + ch] = (float) meanD[s * c + ch];
            }
        }
        parallel.forEach(n * slices, job -> sums[job] = channelSums(x, job / slices, v, c, slices, job % slices, meanD));
        float[] rstd = new float[n * c];
        for (int s = 0; s < n; s++) {
            double[] total = reduce(sums, s * slices, slices, c);
            for (int ch = 0; ch < c; ch++) rstd[s * c + ch] = (float) (1.0 / Math.sqrt(total[ch] / v + eps));
        }
        float[] y = new float[x.length];
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            float[] scale = new float[c], shift = new float[c];
            for (int ch = 0; ch < c; ch++) {
                scale[ch] = rstd[s * c + ch] * gamma[ch];
                shift[ch] = beta[ch] - mean[s * c + ch] * scale[ch];
            }
            for (int vox = from; vox < to; vox++) {
                int o = (s * v + vox) * c;
                for (int ch = 0; ch < c; ch++) {
                    float t = x[o + ch] * scale[ch] + shift[ch];
                    y[o + ch] = slope < 0 || t > 0 ? t : slope * t;
                }
            }
        });
        return new float[][] {y, mean, rstd};
    }

    /**
     * Returns {dx, dgamma, dbeta}. With y non-null the incoming gradient first passes LeakyReLU's backward
     * (g = y > 0 ? dy : slope*dy), computed on the fly.
     */
    float[][] backward(float[] dy, float[] x, float[] y, float slope, int n, int v, int c, float[] gamma, float[] mean, float[] rstd) {
        int slices = slices(v);
        double[][] sums = new double[n * slices][];
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            double[] acc = new double[2 * c]; // [sum dy | sum dy*xhat]
            for (int vox = from; vox < to; vox++) {
                int o = (s * v + vox) * c;
                for (int ch = 0; ch < c; ch++) {
                    double g = y == null || y[o + ch] > 0 ? dy[o + ch] : slope * dy[o + ch];
                    acc[ch] += g;
                    acc[c + ch] += g * ((x[o + ch] - mean[s * c + ch]) * rstd[s * c + ch]);
                }
            }
            sums[job] = acc;
        });
        float[] dgamma = new float[c], dbeta = new float[c];
        double[] dgammaD = new double[c], dbetaD = new double[c];
        float[] a = new float[n * c], b = new float[n * c];
        for (int s = 0; s < n; s++) {
            double[] total = reduce(sums, s * slices, slices, 2 * c);
            for (int ch = 0; ch < c; ch++) {
                double sumDy = total[ch], sumDyXhat = total[c + ch];
                dbetaD[ch] += sumDy;
                dgammaD[ch] += sumDyXhat;
                // dx = gamma*rstd*(dy - sumDy/V - xhat*sumDyXhat/V), with xhat = (x-mean)*rstd
                a[s * c + ch] = (float) (sumDy / v);
                b[s * c + ch] = (float) (sumDyXhat / v);
            }
        }
        for (int ch = 0; ch < c; ch++) {
            dgamma[ch] = (float) dgammaD[ch];
            dbeta[ch] = (float) dbetaD[ch];
        }
        float[] dx = new float[x.length];
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            for (int vox = from; vox < to; vox++) {
                int o = (s * v + vox) * c;
                for (int ch = 0; ch < c; ch++) {
                    int sc = s * c + ch;
                    float xhat = (x[o + ch] - mean[sc]) * rstd[sc];
                    float g = y == null || y[o + ch] > 0 ? dy[o + ch] : slope * dy[o + ch];
                    dx[o + ch] = gamma[ch] * rstd[sc] * (g - a[sc] - xhat * b[sc]);
                }
            }
        });
        return new float[][] {dx, dgamma, dbeta};
    }

    private static double[] channelSums(float[] x, int s, int v, int c, int slices, int sl, double[] centre) {
        int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
        double[] acc = new double[c];
        for (int vox = from; vox < to; vox++) {
            int o = (s * v + vox) * c;
            if (centre == null) {
                for (int ch = 0; ch < c; ch++) acc[ch] += x[o + ch];
            } else {
                for (int ch = 0; ch < c; ch++) {
                    double e = x[o + ch] - centre[s * c + ch];
                    acc[ch] += e * e;
                }
            }
        }
        return acc;
    }

    private static double[] reduce(double[][] parts, int first, int count, int width) {
        double[] total = new double[width];
        for (int i = 0; i < count; i++) {
            double[] p = parts[first + i];
            for (int j = 0; j < width; j++) total[j] += p[j];
        }
        return total;
    }

    private static int slices(int v) {
        return Math.max(1, Math.min(64, v / VOXELS_PER_SLICE));
    }
}
