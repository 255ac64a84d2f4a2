package org.backsplit.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Group norm over NDHWC on the CPU (instance norm is groups = C), optionally fused with LeakyReLU. Statistics are per
 * (sample, group) over D*H*W and the group's adjacent channels; per-channel sums are taken first and then added over
 * each group in order; in channels-last memory one voxel's channels are adjacent, so a slice of voxels accumulates all
 * channels at once. Slices are fixed by the voxel count alone and summed in order: deterministic. Two passes for the
 * variance (mean first) keep it accurate when |mean| >> std.
 *
 * <p>When C is a multiple of 8 the loops run on 8-lane vectors, one per block of 8 channels; sums are kept in float for
 * 256 voxels at a time and then added into double. Other channel counts (the network's input, a few classes) take the
 * scalar loops, summing in double throughout.
 */
final class CpuGroupNorm {
    private static final int VOXELS_PER_SLICE = 4096;
    private static final int FLUSH = 256;
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    private final Parallel parallel;
    private final ArrayPool pool;

    CpuGroupNorm(Parallel parallel, ArrayPool pool) {
        this.parallel = parallel;
        this.pool = pool;
    }

    /**
     * Returns {y, mean[N*C], rstd[N*C]} (statistics repeated over each group's channels); with slope >= 0, y is
     * LeakyReLU(norm(x)) (slope < 0: no activation).
     */
    float[][] forward(
            float[] x, int n, int v, int c, int groups, float[] gamma, float[] beta, double eps, float slope) {
        int per = c / groups;
        int slices = slices(v);
        double[][] sums = new double[n * slices][];
        parallel.forEach(n * slices, job -> sums[job] = channelSums(x, job / slices, v, c, slices, job % slices, null));
        float[] mean = new float[n * c];
        for (int s = 0; s < n; s++) {
            double[] total = groupTotals(reduce(sums, s * slices, slices, c), per);
            for (int ch = 0; ch < c; ch++) mean[s * c + ch] = (float) (total[ch] / ((double) v * per));
        }
        parallel.forEach(
                n * slices,
                job -> sums[job] = channelSums(
                        x,
                        job / slices,
                        v,
                        c,
                        slices,
                        job % slices,
                        Arrays.copyOfRange(mean, job / slices * c, job / slices * c + c)));
        float[] rstd = new float[n * c];
        for (int s = 0; s < n; s++) {
            double[] total = groupTotals(reduce(sums, s * slices, slices, c), per);
            for (int ch = 0; ch < c; ch++)
                rstd[s * c + ch] = (float) (1.0 / Math.sqrt(total[ch] / ((double) v * per) + eps));
        }
        float[] y = pool.dirty(x.length);
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            float[] scale = new float[c], shift = new float[c];
            for (int ch = 0; ch < c; ch++) {
                scale[ch] = rstd[s * c + ch] * gamma[ch];
                shift[ch] = beta[ch] - mean[s * c + ch] * scale[ch];
            }
            int o0 = (s * v + from) * c, o1 = (s * v + to) * c;
            if (c % 8 == 0) {
                for (int o = o0; o < o1; o += c) {
                    for (int cb = 0; cb < c; cb += 8) {
                        FloatVector t = FloatVector.fromArray(S8, x, o + cb)
                                .fma(FloatVector.fromArray(S8, scale, cb), FloatVector.fromArray(S8, shift, cb));
                        if (slope >= 0) t = t.max(t.mul(slope)); // LeakyReLU for 0 <= slope <= 1
                        t.intoArray(y, o + cb);
                    }
                }
            } else {
                for (int o = o0; o < o1; o += c) {
                    for (int ch = 0; ch < c; ch++) {
                        float t = x[o + ch] * scale[ch] + shift[ch];
                        y[o + ch] = slope < 0 || t > 0 ? t : slope * t;
                    }
                }
            }
        });
        return new float[][] {y, mean, rstd};
    }

    /**
     * Returns {dx, dgamma, dbeta}. With y non-null the incoming gradient first passes LeakyReLU's backward (g = y > 0 ?
     * dy : slope*dy), computed on the fly.
     */
    float[][] backward(
            float[] dy,
            float[] x,
            float[] y,
            float slope,
            int n,
            int v,
            int c,
            int groups,
            float[] gamma,
            float[] mean,
            float[] rstd) {
        int slices = slices(v), per = c / groups;
        double[][] sums = new double[n * slices][];
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            float[] mu = Arrays.copyOfRange(mean, s * c, s * c + c), rs = Arrays.copyOfRange(rstd, s * c, s * c + c);
            sums[job] = c % 8 == 0
                    ? backwardSumsVector(dy, x, y, slope, (s * v + from) * c, (s * v + to) * c, c, mu, rs)
                    : backwardSumsScalar(dy, x, y, slope, (s * v + from) * c, (s * v + to) * c, c, mu, rs);
        });
        float[] dgamma = new float[c], dbeta = new float[c];
        double[] dgammaD = new double[c], dbetaD = new double[c];
        float[] a = new float[n * c], b = new float[n * c];
        for (int s = 0; s < n; s++) {
            double[] total = reduce(sums, s * slices, slices, 2 * c);
            double[] gSum = new double[c], gSumXhat = new double[c];
            for (int ch = 0; ch < c; ch++) {
                dbetaD[ch] += total[ch];
                dgammaD[ch] += total[c + ch];
                gSum[ch] = gamma[ch] * total[ch];
                gSumXhat[ch] = gamma[ch] * total[c + ch];
            }
            gSum = groupTotals(gSum, per);
            gSumXhat = groupTotals(gSumXhat, per);
            // dx = rstd*(gamma*g - sum(gamma*g)/M - xhat*sum(gamma*g*xhat)/M) over the group's M elements
            for (int ch = 0; ch < c; ch++) {
                a[s * c + ch] = (float) (gSum[ch] / ((double) v * per));
                b[s * c + ch] = (float) (gSumXhat[ch] / ((double) v * per));
            }
        }
        for (int ch = 0; ch < c; ch++) {
            dgamma[ch] = (float) dgammaD[ch];
            dbeta[ch] = (float) dbetaD[ch];
        }
        float[] dx = pool.dirty(x.length);
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            int o0 = (s * v + from) * c, o1 = (s * v + to) * c;
            float[] mu = Arrays.copyOfRange(mean, s * c, s * c + c), rs = Arrays.copyOfRange(rstd, s * c, s * c + c);
            float[] as = Arrays.copyOfRange(a, s * c, s * c + c), bs = Arrays.copyOfRange(b, s * c, s * c + c);
            if (c % 8 == 0) {
                for (int o = o0; o < o1; o += c) {
                    for (int cb = 0; cb < c; cb += 8) {
                        FloatVector g = effectiveGradient(dy, y, slope, o + cb);
                        FloatVector xhat = FloatVector.fromArray(S8, x, o + cb)
                                .sub(FloatVector.fromArray(S8, mu, cb))
                                .mul(FloatVector.fromArray(S8, rs, cb));
                        g.mul(FloatVector.fromArray(S8, gamma, cb))
                                .sub(FloatVector.fromArray(S8, as, cb))
                                .sub(xhat.mul(FloatVector.fromArray(S8, bs, cb)))
                                .mul(FloatVector.fromArray(S8, rs, cb))
                                .intoArray(dx, o + cb);
                    }
                }
            } else {
                for (int o = o0; o < o1; o += c) {
                    for (int ch = 0; ch < c; ch++) {
                        float xhat = (x[o + ch] - mu[ch]) * rs[ch];
                        float g = y == null || y[o + ch] > 0 ? dy[o + ch] : slope * dy[o + ch];
                        dx[o + ch] = (gamma[ch] * g - as[ch] - xhat * bs[ch]) * rs[ch];
                    }
                }
            }
        });
        return new float[][] {dx, dgamma, dbeta};
    }

    private static FloatVector effectiveGradient(float[] dy, float[] y, float slope, int i) {
        FloatVector g = FloatVector.fromArray(S8, dy, i);
        if (y == null) return g;
        return g.mul(slope).blend(g, FloatVector.fromArray(S8, y, i).compare(VectorOperators.GT, 0f));
    }

    /** Per channel: sum of x, or with centre, of (x - centre)^2, over a slice of one sample's voxels. */
    private static double[] channelSums(float[] x, int s, int v, int c, int slices, int sl, float[] centre) {
        int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
        double[] acc = new double[c];
        int o0 = (s * v + from) * c, o1 = (s * v + to) * c;
        if (c % 8 != 0) {
            for (int o = o0; o < o1; o += c) {
                for (int ch = 0; ch < c; ch++) {
                    double e = centre == null ? x[o + ch] : (double) x[o + ch] - centre[ch];
                    acc[ch] += centre == null ? e : e * e;
                }
            }
            return acc;
        }
        float[] chunk = new float[c];
        for (int start = o0; start < o1; start += FLUSH * c) {
            int end = Math.min(o1, start + FLUSH * c);
            Arrays.fill(chunk, 0f);
            for (int cb = 0; cb < c; cb += 8) {
                FloatVector sum = FloatVector.zero(S8);
                if (centre == null) {
                    for (int o = start + cb; o < end; o += c) sum = sum.add(FloatVector.fromArray(S8, x, o));
                } else {
                    FloatVector m = FloatVector.fromArray(S8, centre, cb);
                    for (int o = start + cb; o < end; o += c) {
                        FloatVector e = FloatVector.fromArray(S8, x, o).sub(m);
                        sum = e.fma(e, sum);
                    }
                }
                sum.intoArray(chunk, cb);
            }
            for (int ch = 0; ch < c; ch++) acc[ch] += chunk[ch];
        }
        return acc;
    }

    /** {sum g | sum g*xhat} per channel over elements [o0, o1) of one sample, g the gradient after LeakyReLU. */
    private static double[] backwardSumsScalar(
            float[] dy, float[] x, float[] y, float slope, int o0, int o1, int c, float[] mu, float[] rs) {
        double[] acc = new double[2 * c];
        for (int o = o0; o < o1; o += c) {
            for (int ch = 0; ch < c; ch++) {
                double g = y == null || y[o + ch] > 0 ? dy[o + ch] : slope * dy[o + ch];
                acc[ch] += g;
                acc[c + ch] += g * ((x[o + ch] - mu[ch]) * rs[ch]);
            }
        }
        return acc;
    }

    private static double[] backwardSumsVector(
            float[] dy, float[] x, float[] y, float slope, int o0, int o1, int c, float[] mu, float[] rs) {
        double[] acc = new double[2 * c];
        float[] chunk = new float[2 * c];
        for (int start = o0; start < o1; start += FLUSH * c) {
            int end = Math.min(o1, start + FLUSH * c);
            for (int cb = 0; cb < c; cb += 8) {
                FloatVector m = FloatVector.fromArray(S8, mu, cb), r = FloatVector.fromArray(S8, rs, cb);
                FloatVector sg = FloatVector.zero(S8), sgx = FloatVector.zero(S8);
                for (int o = start + cb; o < end; o += c) {
                    FloatVector g = effectiveGradient(dy, y, slope, o);
                    FloatVector xhat = FloatVector.fromArray(S8, x, o).sub(m).mul(r);
                    sg = sg.add(g);
                    sgx = g.fma(xhat, sgx);
                }
                sg.intoArray(chunk, cb);
                sgx.intoArray(chunk, c + cb);
            }
            for (int j = 0; j < 2 * c; j++) acc[j] += chunk[j];
        }
        return acc;
    }

    /** Each channel's value replaced by the sum over its group of `per` adjacent channels (as is when per = 1). */
    private static double[] groupTotals(double[] perChannel, int per) {
        if (per == 1) return perChannel;
        double[] out = new double[perChannel.length];
        for (int c0 = 0; c0 < perChannel.length; c0 += per) {
            double sum = 0;
            for (int ch = c0; ch < c0 + per; ch++) sum += perChannel[ch];
            for (int ch = c0; ch < c0 + per; ch++) out[ch] = sum;
        }
        return out;
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
