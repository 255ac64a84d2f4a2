package org.backsplit.backend.cpu;

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

    /** out, then the probabilities. */
    float[][] windowAttention(
            float[] in, Shape qkvShape, float[] bias, float[] mask, int masks, int heads, float scale) {
        WindowLayout L = new WindowLayout(qkvShape, heads, masks);
        int T = L.tokens(), hd = L.headDim();
        float[] out = pool.dirty(L.outShape().size()),
                p = pool.dirty(L.probabilityShape().size());
        parallel.forEach(L.windows() * heads, task -> {
            int w = task / heads, h = task % heads;
            float[] acc = new float[hd];
            for (int i = 0; i < T; i++) {
                int row = L.probabilityRow(w, h, i), qi = L.q(w, i, h, 0);
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < T; j++) {
                    int kj = L.k(w, j, h, 0);
                    float s = 0;
                    for (int e = 0; e < hd; e++) s += in[qi + e] * in[kj + e];
                    s = s * scale + bias[L.bias(i, j, h)] + (mask == null ? 0 : mask[L.mask(w, i, j)]);
                    p[row + j] = s;
                    max = Math.max(max, s);
                }
                double sum = 0;
                for (int j = 0; j < T; j++) sum += p[row + j] = (float) Math.exp(p[row + j] - max);
                float inv = (float) (1 / sum);
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < T; j++) {
                    float pj = p[row + j] *= inv;
                    int vj = L.v(w, j, h, 0);
                    for (int e = 0; e < hd; e++) acc[e] += pj * in[vj + e];
                }
                System.arraycopy(acc, 0, out, L.out(w, i, h, 0), hd);
            }
        });
        return new float[][] {out, p};
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
            float[] ds = new float[T], dq = new float[hd];
            int part = (chunk * heads + h) * T * T;
            for (int w = chunk * perChunk, wEnd = Math.min(W, w + perChunk); w < wEnd; w++) {
                for (int i = 0; i < T; i++) {
                    int row = L.probabilityRow(w, h, i), gi = L.out(w, i, h, 0), qi = L.q(w, i, h, 0);
                    // dP_ij = dout_i . v_j; dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij)
                    float rowDot = 0;
                    for (int j = 0; j < T; j++) {
                        int vj = L.v(w, j, h, 0);
                        float dp = 0;
                        for (int e = 0; e < hd; e++) dp += g[gi + e] * in[vj + e];
                        ds[j] = dp;
                        rowDot += p[row + j] * dp;
                    }
                    java.util.Arrays.fill(dq, 0f);
                    for (int j = 0; j < T; j++) {
                        float s = p[row + j] * (ds[j] - rowDot);
                        partial[part + i * T + j] += s;
                        float ss = s * scale, pj = p[row + j];
                        int kj = L.k(w, j, h, 0), vj = L.v(w, j, h, 0);
                        for (int e = 0; e < hd; e++) {
                            dq[e] += ss * in[kj + e];
                            dqkv[kj + e] += ss * in[qi + e];
                            dqkv[vj + e] += pj * g[gi + e];
                        }
                    }
                    for (int e = 0; e < hd; e++) dqkv[qi + e] = dq[e];
                }
            }
        });
        float[] dbias = new float[T * T * heads];
        parallel.forEach(T, i -> {
            for (int j = 0; j < T; j++)
                for (int h = 0; h < heads; h++) {
                    double s = 0;
                    for (int c = 0; c < chunks; c++) s += partial[((c * heads + h) * T + i) * T + j];
                    dbias[L.bias(i, j, h)] = (float) s;
                }
        });
        return new float[][] {dqkv, dbias};
    }
}
