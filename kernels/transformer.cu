// The transformer operations of SwinUNETR, forward and backward side by side: layer norm over the last axis,
// GELU (exact erf form), row gathers (window partition, shifts, padding, patch merging, the relative position
// bias lookup) and window attention. Plain one-thread-per-item kernels: no barriers, no atomics; every
// reduction runs in a fixed order (sums in double), so results do not depend on the launch.
#include "common.cuh"

// ---- layer norm: one thread per row of C values; gamma and beta may be null (no affine) ----

extern "C" __global__ void layer_norm_forward(const float* x, const float* gamma, const float* beta, float* y,
                                              float* mean, float* rstd, int C, long long rows, double eps) {
    GRID_STRIDE(r, rows) {
        const float* xr = x + r * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += xr[c];
        m /= C;
        for (int c = 0; c < C; c++) v += ((double)xr[c] - m) * ((double)xr[c] - m);
        float mf = (float)m, rs = (float)(1.0 / sqrt(v / C + eps));
        mean[r] = mf;
        rstd[r] = rs;
        for (int c = 0; c < C; c++) {
            float xhat = (xr[c] - mf) * rs;
            y[r * C + c] = gamma ? xhat * gamma[c] + beta[c] : xhat;
        }
    }
}

// dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma.
extern "C" __global__ void layer_norm_backward_data(const float* dy, const float* x, const float* gamma,
                                                    const float* mean, const float* rstd, float* dx, int C,
                                                    long long rows) {
    GRID_STRIDE(r, rows) {
        double sum = 0, dot = 0;
        for (int c = 0; c < C; c++) {
            float xhat = (x[r * C + c] - mean[r]) * rstd[r];
            float dxhat = gamma ? dy[r * C + c] * gamma[c] : dy[r * C + c];
            sum += dxhat;
            dot += (double)dxhat * xhat;
        }
        float meanDxhat = (float)(sum / C), meanDot = (float)(dot / C);
        for (int c = 0; c < C; c++) {
            float xhat = (x[r * C + c] - mean[r]) * rstd[r];
            float dxhat = gamma ? dy[r * C + c] * gamma[c] : dy[r * C + c];
            dx[r * C + c] = rstd[r] * (dxhat - meanDxhat - xhat * meanDot);
        }
    }
}

// partial[(chunk * 2 + 0) * C + c] = sum of dy * xhat over the chunk's rows, [(chunk * 2 + 1) * C + c] = sum of dy.
// One thread per (chunk, channel): neighbouring threads read neighbouring channels.
extern "C" __global__ void layer_norm_backward_affine_partial(const float* dy, const float* x, const float* mean,
                                                              const float* rstd, double* partial, int C,
                                                              long long rows, int rowsPerChunk, int chunks) {
    GRID_STRIDE(i, (long long)chunks * C) {
        int chunk = (int)(i / C), c = (int)(i % C);
        long long from = (long long)chunk * rowsPerChunk, to = from + rowsPerChunk < rows ? from + rowsPerChunk : rows;
        double g = 0, b = 0;
        for (long long r = from; r < to; r++) {
            float xhat = (x[r * C + c] - mean[r]) * rstd[r];
            g += (double)dy[r * C + c] * xhat;
            b += dy[r * C + c];
        }
        partial[((long long)chunk * 2) * C + c] = g;
        partial[((long long)chunk * 2 + 1) * C + c] = b;
    }
}

extern "C" __global__ void layer_norm_backward_affine_reduce(const double* partial, float* dgamma, float* dbeta,
                                                             int C, int chunks) {
    GRID_STRIDE(c, C) {
        double g = 0, b = 0;
        for (int k = 0; k < chunks; k++) {
            g += partial[((long long)k * 2) * C + c];
            b += partial[((long long)k * 2 + 1) * C + c];
        }
        dgamma[c] = (float)g;
        dbeta[c] = (float)b;
    }
}

// ---- GELU, x * Phi(x) ----

extern "C" __global__ void gelu_forward(const float* x, float* y, long long n) {
    GRID_STRIDE(i, n) y[i] = 0.5f * x[i] * (1.f + erff(x[i] * 0.70710678118654752f));
}

extern "C" __global__ void gelu_backward(const float* dy, const float* x, float* dx, long long n) {
    GRID_STRIDE(i, n) {
        float v = x[i];
        float cdf = 0.5f * (1.f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        dx[i] = dy[i] * (cdf + v * pdf);
    }
}

// ---- row gathers: y row i = x row source[i] (zeros for -1); the backward adds, per source row, its gathered
// rows' gradients in increasing order (the inverse map start/targets, built on the host) ----

extern "C" __global__ void gather_rows_forward(const float* x, const int* source, float* y, int C, long long n) {
    GRID_STRIDE(i, n) {
        int s = source[i / C];
        y[i] = s < 0 ? 0.f : x[(long long)s * C + i % C];
    }
}

extern "C" __global__ void gather_rows_backward(const float* dy, const int* start, const int* targets, float* dx,
                                                int C, long long n) {
    GRID_STRIDE(i, n) {
        long long r = i / C;
        int c = (int)(i % C);
        float acc = 0.f;
        for (int k = start[r]; k < start[r + 1]; k++) acc += dy[(long long)targets[k] * C + c];
        dx[i] = acc;
    }
}

// ---- window attention. qkv [W, T, 3C] with channels (q|k|v, head, e); out [W, T, C] with channels (head, e);
// probs and ds [W, heads, T, T]; bias [T, T, heads]; mask [masks, T, T] or null, window w taking w % masks ----

__device__ inline long long qkv_at(int w, int t, int h, int T, int C, int hd) {
    return ((long long)w * T + t) * 3 * C + h * hd;
}

// One thread per (window, head, query): the scores, their softmax (written to probs) and the output row.
extern "C" __global__ void window_attention_forward(const float* qkv, const float* bias, const float* mask,
                                                    float* probs, float* out, int W, int T, int C, int heads,
                                                    int masks, float scale) {
    int hd = C / heads;
    GRID_STRIDE(row, (long long)W * heads * T) {
        int i = (int)(row % T), h = (int)(row / T % heads), w = (int)(row / T / heads);
        float* p = probs + row * T;
        const float* q = qkv + qkv_at(w, i, h, T, C, hd);
        float max = -INFINITY;
        for (int j = 0; j < T; j++) {
            const float* k = qkv + qkv_at(w, j, h, T, C, hd) + C;
            float s = 0.f;
            for (int e = 0; e < hd; e++) s += q[e] * k[e];
            s = s * scale + bias[((long long)i * T + j) * heads + h];
            if (mask) s += mask[(((long long)(w % masks)) * T + i) * T + j];
            p[j] = s;
            max = fmaxf(max, s);
        }
        double sum = 0;
        for (int j = 0; j < T; j++) {
            p[j] = expf(p[j] - max);
            sum += p[j];
        }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < T; j++) p[j] *= inv;
        float* o = out + ((long long)w * T + i) * C + h * hd;
        for (int e = 0; e < hd; e++) {
            float acc = 0.f;
            for (int j = 0; j < T; j++) acc += p[j] * qkv[qkv_at(w, j, h, T, C, hd) + 2 * C + e];
            o[e] = acc;
        }
    }
}

// One thread per (window, head, query i): dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij) with dP_ij = dout_i . v_j, kept
// in ds; dq_i = scale * sum_j dS_ij k_j.
extern "C" __global__ void window_attention_backward_rows(const float* dout, const float* qkv, const float* probs,
                                                          float* ds, float* dqkv, int W, int T, int C, int heads,
                                                          float scale) {
    int hd = C / heads;
    GRID_STRIDE(row, (long long)W * heads * T) {
        int i = (int)(row % T), h = (int)(row / T % heads), w = (int)(row / T / heads);
        const float* p = probs + row * T;
        float* d = ds + row * T;
        const float* g = dout + ((long long)w * T + i) * C + h * hd;
        float rowDot = 0.f;
        for (int j = 0; j < T; j++) {
            const float* v = qkv + qkv_at(w, j, h, T, C, hd) + 2 * C;
            float dp = 0.f;
            for (int e = 0; e < hd; e++) dp += g[e] * v[e];
            d[j] = dp;
            rowDot += p[j] * dp;
        }
        for (int j = 0; j < T; j++) d[j] = p[j] * (d[j] - rowDot);
        float* dq = dqkv + qkv_at(w, i, h, T, C, hd);
        for (int e = 0; e < hd; e++) {
            float acc = 0.f;
            for (int j = 0; j < T; j++) acc += d[j] * qkv[qkv_at(w, j, h, T, C, hd) + C + e];
            dq[e] = acc * scale;
        }
    }
}

// One thread per (window, head, key j): dk_j = scale * sum_i dS_ij q_i, dv_j = sum_i P_ij dout_i.
extern "C" __global__ void window_attention_backward_columns(const float* dout, const float* qkv, const float* probs,
                                                             const float* ds, float* dqkv, int W, int T, int C,
                                                             int heads, float scale) {
    int hd = C / heads;
    GRID_STRIDE(col, (long long)W * heads * T) {
        int j = (int)(col % T), h = (int)(col / T % heads), w = (int)(col / T / heads);
        long long first = ((long long)w * heads + h) * T * T + j;  // P_0j; P_ij is T further on per i
        float* dk = dqkv + qkv_at(w, j, h, T, C, hd) + C;
        float* dv = dk + C;
        for (int e = 0; e < hd; e++) {
            float ak = 0.f, av = 0.f;
            for (int i = 0; i < T; i++) {
                ak += ds[first + (long long)i * T] * qkv[qkv_at(w, i, h, T, C, hd) + e];
                av += probs[first + (long long)i * T] * dout[((long long)w * T + i) * C + h * hd + e];
            }
            dk[e] = ak * scale;
            dv[e] = av;
        }
    }
}

// One thread per bias entry (i, j, h): the sum over windows, in window order.
extern "C" __global__ void window_attention_backward_bias(const float* ds, float* dbias, int W, int T, int heads) {
    GRID_STRIDE(b, (long long)T * T * heads) {
        int h = (int)(b % heads);
        long long ij = b / heads;
        double acc = 0;
        for (int w = 0; w < W; w++) acc += ds[((long long)w * heads + h) * T * T + ij];
        dbias[b] = (float)acc;
    }
}
