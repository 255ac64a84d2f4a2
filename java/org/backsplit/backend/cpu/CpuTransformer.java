package org.backsplit.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.backsplit.backend.Gelu;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.WindowLayout;
import org.backsplit.tensor.Shape;

/**
 * The transformer operations on the CPU: layer norm, GELU, row gathers and window attention. Reductions across rows or
 * windows run in fixed chunks whose count depends on the sizes only, then are summed in order, so the results do not
 * depend on the thread count.
 */
final class CpuTransformer {
    private static final int ROWS_PER_CHUNK = 256;
    private static final int WINDOW_CHUNKS = 8;

    private final Parallel parallel;
    private final ArrayPool pool;

    CpuTransformer(Parallel parallel, ArrayPool pool) {
        this.parallel = parallel;
        this.pool = pool;
    }

    private static int chunks(int items, int per) {
        return Math.max(1, (items + per - 1) / per);
    }

    // ---- layer norm ----

    /** y, then mean and rstd per row appended to the returned triple. */
    float[][] layerNorm(float[] x, int C, float[] gamma, float[] beta, double eps) {
        int rows = x.length / C;
        float[] y = pool.dirty(x.length), mean = new float[rows], rstd = new float[rows];
        int tasks = chunks(rows, ROWS_PER_CHUNK);
        parallel.forEach(tasks, t -> {
            for (int r = t * ROWS_PER_CHUNK, end = Math.min(rows, r + ROWS_PER_CHUNK); r < end; r++) {
                int o = r * C;
                double m = 0, v = 0;
                for (int c = 0; c < C; c++) m += x[o + c];
                m /= C;
                for (int c = 0; c < C; c++) v += (x[o + c] - m) * (x[o + c] - m);
                float mf = (float) m, rs = (float) (1 / Math.sqrt(v / C + eps));
                mean[r] = mf;
                rstd[r] = rs;
                for (int c = 0; c < C; c++) {
                    float xhat = (x[o + c] - mf) * rs;
                    y[o + c] = gamma == null ? xhat : xhat * gamma[c] + beta[c];
                }
            }
        });
        return new float[][] {y, mean, rstd};
    }

    /** dx, then dgamma and dbeta (null without gamma). */
    float[][] layerNormBackward(float[] dy, float[] x, int C, float[] gamma, float[] mean, float[] rstd) {
        int rows = x.length / C, tasks = chunks(rows, ROWS_PER_CHUNK);
        float[] dx = pool.dirty(x.length);
        double[] partial = gamma == null ? null : new double[tasks * 2 * C];
        parallel.forEach(tasks, t -> {
            for (int r = t * ROWS_PER_CHUNK, end = Math.min(rows, r + ROWS_PER_CHUNK); r < end; r++) {
                int o = r * C;
                double sum = 0, dot = 0;
                for (int c = 0; c < C; c++) {
                    float xhat = (x[o + c] - mean[r]) * rstd[r];
                    float dxhat = gamma == null ? dy[o + c] : dy[o + c] * gamma[c];
                    sum += dxhat;
                    dot += dxhat * xhat;
                    if (gamma != null) {
                        partial[(t * 2) * C + c] += dy[o + c] * xhat;
                        partial[(t * 2 + 1) * C + c] += dy[o + c];
                    }
                }
                float meanDxhat = (float) (sum / C), meanDot = (float) (dot / C);
                for (int c = 0; c < C; c++) {
                    float xhat = (x[o + c] - mean[r]) * rstd[r];
                    float dxhat = gamma == null ? dy[o + c] : dy[o + c] * gamma[c];
                    dx[o + c] = rstd[r] * (dxhat - meanDxhat - xhat * meanDot);
                }
            }
        });
        if (gamma == null) return new float[][] {dx, null, null};
        float[] dgamma = new float[C], dbeta = new float[C];
        for (int c = 0; c < C; c++) {
            double g = 0, b = 0;
            for (int t = 0; t < tasks; t++) {
                g += partial[(t * 2) * C + c];
                b += partial[(t * 2 + 1) * C + c];
            }
            dgamma[c] = (float) g;
            dbeta[c] = (float) b;
        }
        return new float[][] {dx, dgamma, dbeta};
    }

    // ---- GELU ----

    float[] gelu(float[] x) {
        float[] y = pool.dirty(x.length);
        elementwise(x.length, i -> y[i] = (float) Gelu.value(x[i]));
        return y;
    }

    float[] geluBackward(float[] dy, float[] x) {
        float[] dx = pool.dirty(x.length);
        elementwise(x.length, i -> dx[i] = (float) (dy[i] * Gelu.derivative(x[i])));
        return dx;
    }

    private void elementwise(int n, java.util.function.IntConsumer body) {
        int per = 1 << 14, tasks = chunks(n, per);
        parallel.forEach(tasks, t -> {
            for (int i = t * per, end = Math.min(n, i + per); i < end; i++) body.accept(i);
        });
    }

    // ---- row gathers ----

    float[] gatherRows(float[] x, RowGather g) {
        int C = g.width(), rows = g.rows();
        int[] src = g.source();
        float[] y = pool.dirty(rows * C);
        parallel.forEach(chunks(rows, ROWS_PER_CHUNK), t -> {
            for (int i = t * ROWS_PER_CHUNK, end = Math.min(rows, i + ROWS_PER_CHUNK); i < end; i++) {
                if (src[i] >= 0) System.arraycopy(x, src[i] * C, y, i * C, C);
                else java.util.Arrays.fill(y, i * C, (i + 1) * C, 0f);
            }
        });
        return y;
    }

    float[] gatherRowsBackward(float[] dy, RowGather g) {
        int C = g.width(), rows = g.sourceRows();
        int[] start = g.inverseStart(), targets = g.inverseRows();
        float[] dx = pool.zeroed(rows * C);
        parallel.forEach(chunks(rows, ROWS_PER_CHUNK), t -> {
            for (int r = t * ROWS_PER_CHUNK, end = Math.min(rows, r + ROWS_PER_CHUNK); r < end; r++)
                for (int k = start[r]; k < start[r + 1]; k++)
                    for (int c = 0; c < C; c++) dx[r * C + c] += dy[targets[k] * C + c];
        });
        return dx;
    }

    // ---- window attention ----

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /**
     * One window's keys and values of one head, transposed to [headDim][T] (rows padded to whole vectors with zeros),
     * so that a query's scores and an output's sums run along j in vectors.
     */
    private static final class HeadColumns {
        final int t;
        final int padded;
        final float[] k;
        final float[] v;

        HeadColumns(int t, int hd) {
            this.t = t;
            this.padded = SPECIES.loopBound(t + SPECIES.length() - 1);
            this.k = new float[hd * padded];
            this.v = new float[hd * padded];
        }

        void load(float[] in, WindowLayout l, int w, int h) {
            int hd = l.headDim();
            for (int j = 0; j < t; j++) {
                int kj = l.k(w, j, h, 0), vj = l.v(w, j, h, 0);
                for (int e = 0; e < hd; e++) {
                    k[e * padded + j] = in[kj + e];
                    v[e * padded + j] = in[vj + e];
                }
            }
        }
    }

    /** out, then the probabilities. */
    float[][] windowAttention(
            float[] in, Shape qkvShape, float[] bias, float[] mask, int masks, int heads, float scale) {
        WindowLayout L = new WindowLayout(qkvShape, heads, masks);
        int T = L.tokens(), hd = L.headDim();
        float[] out = pool.dirty(L.outShape().size()),
                p = pool.dirty(L.probabilityShape().size());
        float[][] headBias = new float[heads][T * T]; // [h][i * T + j]: contiguous rows for the vector loop
        for (int ij = 0; ij < T * T; ij++) for (int h = 0; h < heads; h++) headBias[h][ij] = bias[ij * heads + h];
        parallel.forEach(L.windows() * heads, task -> {
            int w = task / heads, h = task % heads;
            HeadColumns cols = new HeadColumns(T, hd);
            cols.load(in, L, w, h);
            float[] s = new float[cols.padded], q = new float[hd], lanes = new float[SPECIES.length()];
            for (int i = 0; i < T; i++) {
                int row = L.probabilityRow(w, h, i), qi = L.q(w, i, h, 0);
                for (int e = 0; e < hd; e++) q[e] = in[qi + e] * scale;
                // scores: q.k_j * scale + bias + mask, a vector of j at a time
                for (int j = 0; j < cols.padded; j += SPECIES.length()) {
                    FloatVector acc = FloatVector.zero(SPECIES);
                    for (int e = 0; e < hd; e++)
                        acc = FloatVector.fromArray(SPECIES, cols.k, e * cols.padded + j)
                                .fma(FloatVector.broadcast(SPECIES, q[e]), acc);
                    acc.intoArray(s, j);
                }
                float[] b = headBias[h];
                int bi = i * T, mi = mask == null ? 0 : L.mask(w, i, 0);
                FloatVector maxes = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
                int j = 0;
                for (; j + SPECIES.length() <= T; j += SPECIES.length()) {
                    FloatVector v = FloatVector.fromArray(SPECIES, s, j).add(FloatVector.fromArray(SPECIES, b, bi + j));
                    if (mask != null) v = v.add(FloatVector.fromArray(SPECIES, mask, mi + j));
                    v.intoArray(s, j);
                    maxes = maxes.max(v);
                }
                float max = maxes.reduceLanes(VectorOperators.MAX);
                for (; j < T; j++) {
                    float v = s[j] + b[bi + j] + (mask == null ? 0 : mask[mi + j]);
                    s[j] = v;
                    max = Math.max(max, v);
                }
                java.util.Arrays.fill(s, T, cols.padded, Float.NEGATIVE_INFINITY); // exp: 0 in the padding
                FloatVector sums = FloatVector.zero(SPECIES);
                for (j = 0; j < cols.padded; j += SPECIES.length()) {
                    FloatVector e = VectorExp.expNonPositive(
                            FloatVector.fromArray(SPECIES, s, j).sub(max));
                    e.intoArray(s, j);
                    sums = sums.add(e);
                }
                float inv = 1 / sumLanes(sums, lanes);
                for (j = 0; j < T; j++) p[row + j] = s[j] *= inv;
                int o = L.out(w, i, h, 0);
                for (int e = 0; e < hd; e++) out[o + e] = dot(s, cols.v, e * cols.padded, cols.padded, lanes);
            }
        });
        return new float[][] {out, p};
    }

    /** sum over j < n of a[j] * b[offset + j], n a multiple of the vector length. */
    private static float dot(float[] a, float[] b, int offset, int n, float[] lanes) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int j = 0; j < n; j += SPECIES.length())
            acc = FloatVector.fromArray(SPECIES, a, j).fma(FloatVector.fromArray(SPECIES, b, offset + j), acc);
        return sumLanes(acc, lanes);
    }

    /**
     * The lanes' sum in lane order. Not reduceLanes(ADD): its order is unspecified, and the JIT's and the fallback's
     * differ, which made the same step round differently before and after compilation.
     */
    private static float sumLanes(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0;
        for (float x : lanes) s += x;
        return s;
    }

    /** dqkv, then dbias [T, T, heads]. */
    float[][] windowAttentionBackward(float[] g, float[] in, Shape qkvShape, float[] p, int heads, float scale) {
        WindowLayout L = new WindowLayout(qkvShape, heads, 0);
        int T = L.tokens(), hd = L.headDim(), W = L.windows();
        int chunks = Math.min(W, WINDOW_CHUNKS), perChunk = chunks(W, chunks);
        float[] dqkv = pool.zeroed(qkvShape.size());
        double[] partial = new double[chunks * heads * T * T];
        parallel.forEach(chunks * heads, task -> {
            int chunk = task / heads, h = task % heads;
            HeadColumns cols = new HeadColumns(T, hd), grads = new HeadColumns(T, hd);
            int n = cols.padded;
            float[] ds = new float[n], pr = new float[n], gi = new float[hd], lanes = new float[SPECIES.length()];
            int part = (chunk * heads + h) * T * T;
            for (int w = chunk * perChunk, wEnd = Math.min(W, w + perChunk); w < wEnd; w++) {
                cols.load(in, L, w, h);
                java.util.Arrays.fill(grads.k, 0f); // dk, transposed
                java.util.Arrays.fill(grads.v, 0f); // dv, transposed
                for (int i = 0; i < T; i++) {
                    int row = L.probabilityRow(w, h, i), go = L.out(w, i, h, 0), qi = L.q(w, i, h, 0);
                    System.arraycopy(p, row, pr, 0, T);
                    for (int e = 0; e < hd; e++) gi[e] = g[go + e];
                    // dP_ij = dout_i . v_j; dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij)
                    for (int j = 0; j < n; j += SPECIES.length()) {
                        FloatVector acc = FloatVector.zero(SPECIES);
                        for (int e = 0; e < hd; e++)
                            acc = FloatVector.fromArray(SPECIES, cols.v, e * n + j)
                                    .fma(FloatVector.broadcast(SPECIES, gi[e]), acc);
                        acc.intoArray(ds, j);
                    }
                    float rowDot = dot(pr, ds, 0, n, lanes);
                    for (int j = 0; j < n; j += SPECIES.length()) {
                        FloatVector pj = FloatVector.fromArray(SPECIES, pr, j);
                        pj.mul(FloatVector.fromArray(SPECIES, ds, j).sub(rowDot))
                                .intoArray(ds, j);
                    }
                    for (int j = 0; j < T; j++) partial[part + i * T + j] += ds[j];
                    // dq_i = scale * sum_j dS_ij k_j; dk_j += scale * dS_ij q_i; dv_j += P_ij dout_i
                    for (int e = 0; e < hd; e++) {
                        dqkv[qi + e] = scale * dot(ds, cols.k, e * n, n, lanes);
                        float qe = scale * in[qi + e], ge = gi[e];
                        for (int j = 0; j < n; j += SPECIES.length()) {
                            FloatVector.fromArray(SPECIES, ds, j)
                                    .fma(
                                            FloatVector.broadcast(SPECIES, qe),
                                            FloatVector.fromArray(SPECIES, grads.k, e * n + j))
                                    .intoArray(grads.k, e * n + j);
                            FloatVector.fromArray(SPECIES, pr, j)
                                    .fma(
                                            FloatVector.broadcast(SPECIES, ge),
                                            FloatVector.fromArray(SPECIES, grads.v, e * n + j))
                                    .intoArray(grads.v, e * n + j);
                        }
                    }
                }
                for (int j = 0; j < T; j++) {
                    int kj = L.k(w, j, h, 0), vj = L.v(w, j, h, 0);
                    for (int e = 0; e < hd; e++) {
                        dqkv[kj + e] = grads.k[e * n + j];
                        dqkv[vj + e] = grads.v[e * n + j];
                    }
                }
            }
        });
        float[] dbias = new float[T * T * heads];
        parallel.forEach(T, i -> {
            for (int j = 0; j < T; j++)
                for (int h = 0; h < heads; h++) {
                    double sum = 0;
                    for (int c = 0; c < chunks; c++) sum += partial[((c * heads + h) * T + i) * T + j];
                    dbias[L.bias(i, j, h)] = (float) sum;
                }
        });
        return new float[][] {dqkv, dbias};
    }
}
