// Direct 3D convolution and transposed convolution, forward and both backward passes: the simplest correct
// GPU versions, one thread per output element, each summing in a fixed order (deterministic, no atomics).
// They make the CUDA backend complete; the implicit-GEMM tensor-core kernels that make it fast are the
// next step and are checked against these and the CPU backend. The weight gradients are split over voxel
// slices (below) so that they have enough threads.
// Layouts: x [N, D, H, W, C], weight [K, kd, kh, kw, C] (KTRSC), y [N, Z, P, Q, K];
// transposed: weight [Cin, sd, sh, sw, Cout], kernel = stride, no padding.
#include "common.cuh"

struct Geo {
    int N, D, H, W, C;   // input
    int Z, P, Q, K;      // output
    int kd, kh, kw, sd, sh, sw, pd, ph, pw;
};

extern "C" __global__ void conv3d_fwd_direct(const float* x, const float* w, const float* bias, float* y, Geo g) {
    long long total = (long long)g.N * g.Z * g.P * g.Q * g.K;
    GRID_STRIDE(i, total) {
        int k = (int)(i % g.K);
        long long r = i / g.K;
        int q = (int)(r % g.Q); r /= g.Q;
        int p = (int)(r % g.P); r /= g.P;
        int z = (int)(r % g.Z);
        int n = (int)(r / g.Z);
        float acc = 0.f;
        for (int t = 0; t < g.kd; t++) {
            int iz = z * g.sd - g.pd + t;
            if (iz < 0 || iz >= g.D) continue;
            for (int u = 0; u < g.kh; u++) {
                int iy = p * g.sh - g.ph + u;
                if (iy < 0 || iy >= g.H) continue;
                for (int s = 0; s < g.kw; s++) {
                    int ix = q * g.sw - g.pw + s;
                    if (ix < 0 || ix >= g.W) continue;
                    const float* xv = x + ((((long long)n * g.D + iz) * g.H + iy) * g.W + ix) * g.C;
                    const float* wv = w + ((((long long)k * g.kd + t) * g.kh + u) * g.kw + s) * g.C;
                    for (int c = 0; c < g.C; c++) acc = fmaf(xv[c], wv[c], acc);
                }
            }
        }
        y[i] = acc + (bias ? bias[k] : 0.f);
    }
}

// dx[n, d, h, w, c] = sum over taps reaching it and k of dy[n, z, p, q, k] * w[k, t, u, s, c]
extern "C" __global__ void conv3d_dgrad_direct(const float* dy, const float* w, float* dx, Geo g) {
    long long total = (long long)g.N * g.D * g.H * g.W * g.C;
    GRID_STRIDE(i, total) {
        int c = (int)(i % g.C);
        long long r = i / g.C;
        int ix = (int)(r % g.W); r /= g.W;
        int iy = (int)(r % g.H); r /= g.H;
        int iz = (int)(r % g.D);
        int n = (int)(r / g.D);
        float acc = 0.f;
        for (int t = 0; t < g.kd; t++) {
            int nz = iz + g.pd - t;
            if (nz < 0 || nz % g.sd != 0 || nz / g.sd >= g.Z) continue;
            for (int u = 0; u < g.kh; u++) {
                int ny = iy + g.ph - u;
                if (ny < 0 || ny % g.sh != 0 || ny / g.sh >= g.P) continue;
                for (int s = 0; s < g.kw; s++) {
                    int nx = ix + g.pw - s;
                    if (nx < 0 || nx % g.sw != 0 || nx / g.sw >= g.Q) continue;
                    const float* dyv = dy + ((((long long)n * g.Z + nz / g.sd) * g.P + ny / g.sh) * g.Q + nx / g.sw) * g.K;
                    for (int k = 0; k < g.K; k++) {
                        acc = fmaf(dyv[k], w[((((long long)k * g.kd + t) * g.kh + u) * g.kw + s) * g.C + c], acc);
                    }
                }
            }
        }
        dx[i] = acc;
    }
}

// Weight gradients are split over a fixed number of voxel slices (a function of the shapes only): thread
// (slice, w) sums its slice for one weight element into partial[slice][w], and reduce_slices adds the slices
// in order. Deterministic, and slices x weights threads instead of weights threads.

// dw[k, t, u, s, c] = sum over output voxels of dy[., k] * x[shifted, c]
extern "C" __global__ void conv3d_wgrad_direct(const float* x, const float* dy, float* partial, Geo g, int slices) {
    long long weights = (long long)g.K * g.kd * g.kh * g.kw * g.C;
    long long voxels = (long long)g.N * g.Z * g.P * g.Q;
    GRID_STRIDE(i, weights * slices) {
        long long w = i % weights;
        long long sl = i / weights;
        int c = (int)(w % g.C);
        long long r = w / g.C;
        int s = (int)(r % g.kw); r /= g.kw;
        int u = (int)(r % g.kh); r /= g.kh;
        int t = (int)(r % g.kd);
        int k = (int)(r / g.kd);
        long long from = voxels * sl / slices, to = voxels * (sl + 1) / slices;
        int q = (int)(from % g.Q);
        long long rest = from / g.Q;
        int p = (int)(rest % g.P); rest /= g.P;
        int z = (int)(rest % g.Z);
        int n = (int)(rest / g.Z);
        float acc = 0.f;
        for (long long m = from; m < to; m++) {
            int iz = z * g.sd - g.pd + t, iy = p * g.sh - g.ph + u, ix = q * g.sw - g.pw + s;
            if (iz >= 0 && iz < g.D && iy >= 0 && iy < g.H && ix >= 0 && ix < g.W) {
                acc = fmaf(dy[m * g.K + k], x[((((long long)n * g.D + iz) * g.H + iy) * g.W + ix) * g.C + c], acc);
            }
            if (++q == g.Q) { q = 0; if (++p == g.P) { p = 0; if (++z == g.Z) { z = 0; ++n; } } }
        }
        partial[sl * weights + w] = acc;
    }
}

// partial[slice][col] = sum of a[row][col] over the slice's rows (bias gradients: a = dY as [rows][K]).
extern "C" __global__ void column_sums(const float* a, long long rows, int cols, int slices, float* partial) {
    GRID_STRIDE(i, (long long)cols * slices) {
        int col = (int)(i % cols);
        long long sl = i / cols;
        long long from = rows * sl / slices, to = rows * (sl + 1) / slices;
        float acc = 0.f;
        for (long long r = from; r < to; r++) acc += a[r * cols + col];
        partial[i] = acc;
    }
}

// out[i] = sum over slices, in order, of partial[slice][i]
extern "C" __global__ void reduce_slices(const float* partial, float* out, long long count, int slices) {
    GRID_STRIDE(i, count) {
        float acc = 0.f;
        for (int sl = 0; sl < slices; sl++) acc += partial[(long long)sl * count + i];
        out[i] = acc;
    }
}

// Transposed convolution with kernel = stride: y[n, z, p, q, k] = b[k] + sum_c x[n, z/sd, p/sh, q/sw, c] * w[c, z%sd, p%sh, q%sw, k]
// Here Geo's input is x (N, D, H, W, C = Cin) and output (Z = D*sd, ..., K = Cout).
extern "C" __global__ void convT_fwd_direct(const float* x, const float* w, const float* bias, float* y, Geo g) {
    long long total = (long long)g.N * g.Z * g.P * g.Q * g.K;
    GRID_STRIDE(i, total) {
        int k = (int)(i % g.K);
        long long r = i / g.K;
        int q = (int)(r % g.Q); r /= g.Q;
        int p = (int)(r % g.P); r /= g.P;
        int z = (int)(r % g.Z);
        int n = (int)(r / g.Z);
        const float* xv = x + ((((long long)n * g.D + z / g.sd) * g.H + p / g.sh) * g.W + q / g.sw) * g.C;
        int tap = ((z % g.sd) * g.sh + p % g.sh) * g.sw + q % g.sw, taps = g.sd * g.sh * g.sw;
        float acc = 0.f;
        for (int c = 0; c < g.C; c++) acc = fmaf(xv[c], w[((long long)c * taps + tap) * g.K + k], acc);
        y[i] = acc + (bias ? bias[k] : 0.f);
    }
}

extern "C" __global__ void convT_dgrad_direct(const float* dy, const float* w, float* dx, Geo g) {
    long long total = (long long)g.N * g.D * g.H * g.W * g.C;
    int taps = g.sd * g.sh * g.sw;
    GRID_STRIDE(i, total) {
        int c = (int)(i % g.C);
        long long r = i / g.C;
        int ix = (int)(r % g.W); r /= g.W;
        int iy = (int)(r % g.H); r /= g.H;
        int iz = (int)(r % g.D);
        int n = (int)(r / g.D);
        float acc = 0.f;
        for (int tap = 0; tap < taps; tap++) {
            int s = tap % g.sw, u = (tap / g.sw) % g.sh, t = tap / (g.sw * g.sh);
            const float* dyv = dy + ((((long long)n * g.Z + iz * g.sd + t) * g.P + iy * g.sh + u) * g.Q + ix * g.sw + s) * g.K;
            const float* wv = w + ((long long)c * taps + tap) * g.K;
            for (int k = 0; k < g.K; k++) acc = fmaf(dyv[k], wv[k], acc);
        }
        dx[i] = acc;
    }
}

extern "C" __global__ void convT_wgrad_direct(const float* x, const float* dy, float* partial, Geo g, int slices) {
    int taps = g.sd * g.sh * g.sw;
    long long weights = (long long)g.C * taps * g.K;
    long long voxels = (long long)g.N * g.D * g.H * g.W;
    GRID_STRIDE(i, weights * slices) {
        long long w = i % weights;
        long long sl = i / weights;
        int k = (int)(w % g.K);
        long long r = w / g.K;
        int tap = (int)(r % taps);
        int c = (int)(r / taps);
        int s = tap % g.sw, u = (tap / g.sw) % g.sh, t = tap / (g.sw * g.sh);
        long long from = voxels * sl / slices, to = voxels * (sl + 1) / slices;
        int ix = (int)(from % g.W);
        long long rest = from / g.W;
        int iy = (int)(rest % g.H); rest /= g.H;
        int iz = (int)(rest % g.D);
        int n = (int)(rest / g.D);
        float acc = 0.f;
        for (long long m = from; m < to; m++) {
            acc = fmaf(x[m * g.C + c],
                       dy[((((long long)n * g.Z + iz * g.sd + t) * g.P + iy * g.sh + u) * g.Q + ix * g.sw + s) * g.K + k], acc);
            if (++ix == g.W) { ix = 0; if (++iy == g.H) { iy = 0; if (++iz == g.D) { iz = 0; ++n; } } }
        }
        partial[sl * weights + w] = acc;
    }
}
