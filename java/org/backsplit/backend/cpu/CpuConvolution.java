package org.backsplit.backend.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.tensor.Shape;

/**
 * 3D convolution and transposed convolution on the CPU, every pass as im2col tiles fed to {@link Gemm}.
 * Activations are NDHWC, so one tap of one voxel is C contiguous floats and im2col is a series of copies.
 *
 * <ul>
 *   <li>forward: Y[M x K] = im2col(X)[M x taps*C] * W^T[taps*C x K], M = output voxels;
 *   <li>backward-data: each input voxel gathers dY from the taps that reach it. Input voxels are grouped by
 *       their phase modulo the stride, because all voxels of a phase are reached by the same taps: a
 *       stride-2 layer then costs what its forward pass costs instead of 8x that in zero rows;
 *   <li>backward-weight: dW[K x taps*C] = dY^T * im2col(X), over a fixed number of slices of M whose partial
 *       sums are added in order, so the result does not depend on the thread count.
 * </ul>
 * Transposed convolution with kernel = stride has no overlapping outputs, so it is one GEMM and a scatter.
 */
final class CpuConvolution {
    /** Rows of one im2col tile: a multiple of the GEMM's 4-row micro-kernel. */
    private static final int TILE = 128;
    /** Upper bound on the weight-gradient slices (each holds a full partial dW). */
    private static final int MAX_SLICES = 16;

    private final Parallel parallel;

    CpuConvolution(Parallel parallel) {
        this.parallel = parallel;
    }

    // ------------------------------------------------------------------ forward

    float[] forward(float[] x, Shape xs, float[] w, int k, float[] bias, ConvGeometry g, Shape ys) {
        int c = xs.c(), taps = g.taps(), red = taps * c;
        float[] wt = new float[red * k];
        Gemm.transpose(k, red, w, 0, red, wt, 0, k);
        float[] y = new float[ys.size()];
        int m = ys.n() * ys.spatial();
        boolean pointwise = taps == 1 && isOne(g.stride()) && isZero(g.padding());
        parallel.forEach(ceilDiv(m, TILE), tile -> {
            int m0 = tile * TILE, rows = Math.min(TILE, m - m0);
            if (pointwise) {
                Gemm.multiply(rows, k, c, x, m0 * c, c, wt, 0, k, y, m0 * k, k, false);
            } else {
                float[] col = Scratch.get(0, rows * red);
                im2col(x, xs, g, ys, m0, rows, col);
                Gemm.multiply(rows, k, red, col, 0, red, wt, 0, k, y, m0 * k, k, false);
            }
            if (bias != null) addBias(y, m0, rows, bias, k);
        });
        return y;
    }

    /** Gathers `rows` output voxels' receptive fields: row i holds taps*C values, tap-major. */
    private static void im2col(float[] x, Shape xs, ConvGeometry g, Shape ys, int m0, int rows, float[] col) {
        int c = xs.c(), red = g.taps() * c;
        int[] kk = g.kernel(), s = g.stride(), p = g.padding();
        int oz = 0, oy = 0, ox = 0, n = 0;
        for (int i = 0; i < rows; i++) {
            int m = m0 + i;
            ox = m % ys.w();
            int rest = m / ys.w();
            oy = rest % ys.h();
            rest /= ys.h();
            oz = rest % ys.d();
            n = rest / ys.d();
            int dst = i * red;
            for (int t = 0; t < kk[0]; t++) {
                int iz = oz * s[0] - p[0] + t;
                for (int r = 0; r < kk[1]; r++) {
                    int iy = oy * s[1] - p[1] + r;
                    for (int q = 0; q < kk[2]; q++, dst += c) {
                        int ix = ox * s[2] - p[2] + q;
                        if (iz < 0 || iz >= xs.d() || iy < 0 || iy >= xs.h() || ix < 0 || ix >= xs.w()) {
                            Arrays.fill(col, dst, dst + c, 0f);
                        } else {
                            System.arraycopy(x, (((n * xs.d() + iz) * xs.h() + iy) * xs.w() + ix) * c, col, dst, c);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ backward data

    float[] backwardData(float[] dy, Shape ys, float[] w, ConvGeometry g, Shape xs) {
        int k = ys.c(), c = xs.c(), taps = g.taps();
        int[] kk = g.kernel(), s = g.stride(), p = g.padding();
        // Per tap, the [K][C] slice of the weights: wTap[tap][k][c] = w[k][tap][c].
        float[] wTap = new float[taps * k * c];
        for (int ko = 0; ko < k; ko++) {
            for (int tap = 0; tap < taps; tap++) {
                System.arraycopy(w, (ko * taps + tap) * c, wTap, (tap * k + ko) * c, c);
            }
        }
        float[] dx = new float[xs.size()];
        for (int pz = 0; pz < s[0]; pz++) {
            for (int py = 0; py < s[1]; py++) {
                for (int px = 0; px < s[2]; px++) {
                    backwardDataPhase(dy, ys, wTap, g, xs, dx, new int[] {pz, py, px});
                }
            }
        }
        return dx;
    }

    /** Input voxels whose coordinates are congruent to `phase` modulo the stride, all reached by one tap set. */
    private void backwardDataPhase(float[] dy, Shape ys, float[] wTap, ConvGeometry g, Shape xs, float[] dx, int[] phase) {
        int k = ys.c(), c = xs.c();
        int[] kk = g.kernel(), s = g.stride(), p = g.padding();
        int[] in = {xs.d(), xs.h(), xs.w()};
        int[] count = new int[3];
        for (int a = 0; a < 3; a++) count[a] = phase[a] < in[a] ? ceilDiv(in[a] - phase[a], s[a]) : 0;
        int m = xs.n() * count[0] * count[1] * count[2];
        if (m == 0) return;
        List<int[]> valid = new ArrayList<>();
        for (int t = 0; t < kk[0]; t++)
            for (int r = 0; r < kk[1]; r++)
                for (int q = 0; q < kk[2]; q++) {
                    if (Math.floorMod(phase[0] + p[0] - t, s[0]) == 0 && Math.floorMod(phase[1] + p[1] - r, s[1]) == 0
                            && Math.floorMod(phase[2] + p[2] - q, s[2]) == 0) {
                        valid.add(new int[] {t, r, q});
                    }
                }
        if (valid.isEmpty()) return; // no tap reaches these voxels: their gradient stays zero
        int nt = valid.size(), red = nt * k;
        float[] b = new float[red * c];
        for (int j = 0; j < nt; j++) {
            int[] v = valid.get(j);
            int tap = (v[0] * kk[1] + v[1]) * kk[2] + v[2];
            System.arraycopy(wTap, tap * k * c, b, j * k * c, k * c);
        }
        parallel.forEach(ceilDiv(m, TILE), tile -> {
            int m0 = tile * TILE, rows = Math.min(TILE, m - m0);
            float[] col = Scratch.get(0, rows * red);
            float[] out = Scratch.get(1, rows * c);
            int[] voxel = new int[rows];
            for (int i = 0; i < rows; i++) {
                int idx = m0 + i;
                int jx = idx % count[2];
                int rest = idx / count[2];
                int jy = rest % count[1];
                rest /= count[1];
                int jz = rest % count[0];
                int n = rest / count[0];
                int iz = phase[0] + jz * s[0], iy = phase[1] + jy * s[1], ix = phase[2] + jx * s[2];
                voxel[i] = ((n * xs.d() + iz) * xs.h() + iy) * xs.w() + ix;
                for (int j = 0; j < nt; j++) {
                    int[] v = valid.get(j);
                    int oz = (iz + p[0] - v[0]) / s[0], oy = (iy + p[1] - v[1]) / s[1], ox = (ix + p[2] - v[2]) / s[2];
                    int dst = i * red + j * k;
                    // Exact division here: the phase guarantees divisibility; negatives are out of range anyway.
                    if (iz + p[0] - v[0] < 0 || oz >= ys.d() || iy + p[1] - v[1] < 0 || oy >= ys.h()
                            || ix + p[2] - v[2] < 0 || ox >= ys.w()) {
                        Arrays.fill(col, dst, dst + k, 0f);
                    } else {
                        System.arraycopy(dy, (((n * ys.d() + oz) * ys.h() + oy) * ys.w() + ox) * k, col, dst, k);
                    }
                }
            }
            Gemm.multiply(rows, c, red, col, 0, red, b, 0, c, out, 0, c, false);
            for (int i = 0; i < rows; i++) System.arraycopy(out, i * c, dx, voxel[i] * c, c);
        });
    }

    // ------------------------------------------------------------------ backward weight

    /** Returns {dW [K x taps*C], dBias [K] or null}. */
    float[][] backwardWeight(float[] x, Shape xs, float[] dy, Shape ys, ConvGeometry g, boolean withBias) {
        int k = ys.c(), c = xs.c(), red = g.taps() * c;
        int m = ys.n() * ys.spatial();
        int slices = Math.max(1, Math.min(MAX_SLICES, m / (4 * TILE)));
        float[][] partial = new float[slices][];
        float[][] partialBias = new float[slices][];
        parallel.forEach(slices, sl -> {
            int from = Parallel.sliceStart(m, slices, sl), to = Parallel.sliceStart(m, slices, sl + 1);
            float[] acc = new float[k * red];
            float[] accBias = withBias ? new float[k] : null;
            for (int m0 = from; m0 < to; m0 += TILE) {
                int rows = Math.min(TILE, to - m0);
                float[] col = Scratch.get(0, rows * red);
                float[] dyT = Scratch.get(1, rows * k);
                im2col(x, xs, g, ys, m0, rows, col);
                Gemm.transpose(rows, k, dy, m0 * k, k, dyT, 0, rows);
                Gemm.multiply(k, red, rows, dyT, 0, rows, col, 0, red, acc, 0, red, true);
                if (accBias != null) sumRows(dy, m0, rows, k, accBias);
            }
            partial[sl] = acc;
            partialBias[sl] = accBias;
        });
        return new float[][] {sumInOrder(partial), withBias ? sumInOrder(partialBias) : null};
    }

    // ------------------------------------------------------------------ transposed convolution (kernel = stride)

    float[] transposedForward(float[] x, Shape xs, float[] w, int co, float[] bias, int[] st, Shape ys) {
        int ci = xs.c(), taps = st[0] * st[1] * st[2], cols = taps * co;
        float[] y = new float[ys.size()];
        int m = xs.n() * xs.spatial();
        parallel.forEach(ceilDiv(m, TILE), tile -> {
            int m0 = tile * TILE, rows = Math.min(TILE, m - m0);
            float[] out = Scratch.get(1, rows * cols);
            Gemm.multiply(rows, cols, ci, x, m0 * ci, ci, w, 0, cols, out, 0, cols, false);
            for (int i = 0; i < rows; i++) {
                int[] base = upsampledCorner(m0 + i, xs, st);
                for (int tap = 0; tap < taps; tap++) {
                    int dst = subVoxel(base, tap, st, ys) * co, src = i * cols + tap * co;
                    for (int j = 0; j < co; j++) y[dst + j] = out[src + j] + (bias == null ? 0f : bias[j]);
                }
            }
        });
        return y;
    }

    float[] transposedBackwardData(float[] dy, Shape ys, float[] w, int ci, int[] st, Shape xs) {
        int co = ys.c(), taps = st[0] * st[1] * st[2], red = taps * co;
        float[] wt = new float[red * ci];
        Gemm.transpose(ci, red, w, 0, red, wt, 0, ci);
        float[] dx = new float[xs.size()];
        int m = xs.n() * xs.spatial();
        parallel.forEach(ceilDiv(m, TILE), tile -> {
            int m0 = tile * TILE, rows = Math.min(TILE, m - m0);
            float[] col = Scratch.get(0, rows * red);
            gatherSubVoxels(dy, ys, xs, st, m0, rows, col);
            Gemm.multiply(rows, ci, red, col, 0, red, wt, 0, ci, dx, m0 * ci, ci, false);
        });
        return dx;
    }

    float[][] transposedBackwardWeight(float[] x, Shape xs, float[] dy, Shape ys, int[] st, boolean withBias) {
        int ci = xs.c(), co = ys.c(), taps = st[0] * st[1] * st[2], red = taps * co;
        int m = xs.n() * xs.spatial();
        int slices = Math.max(1, Math.min(MAX_SLICES, m / (4 * TILE)));
        float[][] partial = new float[slices][];
        float[][] partialBias = new float[slices][];
        parallel.forEach(slices, sl -> {
            int from = Parallel.sliceStart(m, slices, sl), to = Parallel.sliceStart(m, slices, sl + 1);
            float[] acc = new float[ci * red];
            float[] accBias = withBias ? new float[red] : null;
            for (int m0 = from; m0 < to; m0 += TILE) {
                int rows = Math.min(TILE, to - m0);
                float[] col = Scratch.get(0, rows * red);
                float[] xT = Scratch.get(1, rows * ci);
                gatherSubVoxels(dy, ys, xs, st, m0, rows, col);
                Gemm.transpose(rows, ci, x, m0 * ci, ci, xT, 0, rows);
                Gemm.multiply(ci, red, rows, xT, 0, rows, col, 0, red, acc, 0, red, true);
                if (accBias != null) sumRows(col, 0, rows, red, accBias);
            }
            partial[sl] = acc;
            partialBias[sl] = accBias;
        });
        float[] db = null;
        if (withBias) {
            float[] perTap = sumInOrder(partialBias);
            db = new float[co];
            for (int tap = 0; tap < taps; tap++) for (int j = 0; j < co; j++) db[j] += perTap[tap * co + j];
        }
        return new float[][] {sumInOrder(partial), db};
    }

    /** Row i of col: the taps*Cout gradient values of the sub-voxels that input voxel m0+i produced. */
    private static void gatherSubVoxels(float[] dy, Shape ys, Shape xs, int[] st, int m0, int rows, float[] col) {
        int co = ys.c(), taps = st[0] * st[1] * st[2];
        for (int i = 0; i < rows; i++) {
            int[] base = upsampledCorner(m0 + i, xs, st);
            for (int tap = 0; tap < taps; tap++) {
                System.arraycopy(dy, subVoxel(base, tap, st, ys) * co, col, (i * taps + tap) * co, co);
            }
        }
    }

    /** {n, z, y, x} of the first output voxel produced by input voxel m. */
    private static int[] upsampledCorner(int m, Shape xs, int[] st) {
        int ix = m % xs.w();
        int rest = m / xs.w();
        int iy = rest % xs.h();
        rest /= xs.h();
        int iz = rest % xs.d();
        int n = rest / xs.d();
        return new int[] {n, iz * st[0], iy * st[1], ix * st[2]};
    }

    private static int subVoxel(int[] base, int tap, int[] st, Shape ys) {
        int q = tap % st[2], r = (tap / st[2]) % st[1], t = tap / (st[1] * st[2]);
        return ((base[0] * ys.d() + base[1] + t) * ys.h() + base[2] + r) * ys.w() + base[3] + q;
    }

    // ------------------------------------------------------------------ helpers

    private static void addBias(float[] y, int m0, int rows, float[] bias, int k) {
        for (int i = 0; i < rows; i++) {
            int o = (m0 + i) * k;
            for (int j = 0; j < k; j++) y[o + j] += bias[j];
        }
    }

    private static void sumRows(float[] a, int m0, int rows, int width, float[] acc) {
        for (int i = 0; i < rows; i++) {
            int o = (m0 + i) * width;
            for (int j = 0; j < width; j++) acc[j] += a[o + j];
        }
    }

    private static float[] sumInOrder(float[][] parts) {
        float[] total = parts[0];
        for (int s = 1; s < parts.length; s++) {
            float[] p = parts[s];
            for (int i = 0; i < total.length; i++) total[i] += p[i];
        }
        return total;
    }

    private static boolean isOne(int[] v) {
        return v[0] == 1 && v[1] == 1 && v[2] == 1;
    }

    private static boolean isZero(int[] v) {
        return v[0] == 0 && v[1] == 0 && v[2] == 0;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
