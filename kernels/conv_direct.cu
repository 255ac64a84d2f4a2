// Direct 3D convolution and transposed convolution, forward and both backward passes: the simplest correct
// GPU versions, one thread per output element, each summing in a fixed order (deterministic, no atomics).
// They make the CUDA backend complete; the implicit-GEMM tensor-core kernels that make it fast are the
// next step and are checked against these and the CPU backend.
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

// dw[k, t, u, s, c] = sum over output voxels of dy[., k] * x[shifted, c]; one thread per weight element.
extern "C" __global__ void conv3d_wgrad_direct(const float* x, const float* dy, float* dw, Geo g) {
    long long total = (long long)g.K * g.kd * g.kh * g.kw * g.C;
    GRID_STRIDE(i, total) {
        int c = (int)(i % g.C);
        long long r = i / g.C;
        int s = (int)(r % g.kw); r /= g.kw;
        int u = (int)(r % g.kh); r /= g.kh;
        int t = (int)(r % g.kd);
        int k = (int)(r / g.kd);
        float acc = 0.f;
        for (int n = 0; n < g.N; n++)
            for (int z = 0; z < g.Z; z++) {
                int iz = z * g.sd - g.pd + t;
                if (iz < 0 || iz >= g.D) continue;
                for (int p = 0; p < g.P; p++) {
                    int iy = p * g.sh - g.ph + u;
                    if (iy < 0 || iy >= g.H) continue;
                    for (int q = 0; q < g.Q; q++) {
                        int ix = q * g.sw - g.pw + s;
                        if (ix < 0 || ix >= g.W) continue;
                        acc = fmaf(dy[((((long long)n * g.Z + z) * g.P + p) * g.Q + q) * g.K + k],
                                   x[((((long long)n * g.D + iz) * g.H + iy) * g.W + ix) * g.C + c], acc);
                    }
                }
            }
        dw[i] = acc;
    }
}

// db[k] = sum over all voxels of dy[., k] (rows = N*Z*P*Q); one thread per channel.
extern "C" __global__ void bias_grad(const float* dy, float* db, long long rows, int K) {
    int k = blockIdx.x * blockDim.x + threadIdx.x;
    if (k >= K) return;
    float acc = 0.f;
    for (long long r = 0; r < rows; r++) acc += dy[r * K + k];
    db[k] = acc;
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

extern "C" __global__ void convT_wgrad_direct(const float* x, const float* dy, float* dw, Geo g) {
    int taps = g.sd * g.sh * g.sw;
    long long total = (long long)g.C * taps * g.K;
    GRID_STRIDE(i, total) {
        int k = (int)(i % g.K);
        long long r = i / g.K;
        int tap = (int)(r % taps);
        int c = (int)(r / taps);
        int s = tap % g.sw, u = (tap / g.sw) % g.sh, t = tap / (g.sw * g.sh);
        float acc = 0.f;
        for (int n = 0; n < g.N; n++)
            for (int iz = 0; iz < g.D; iz++)
                for (int iy = 0; iy < g.H; iy++)
                    for (int ix = 0; ix < g.W; ix++) {
                        acc = fmaf(x[((((long long)n * g.D + iz) * g.H + iy) * g.W + ix) * g.C + c],
                                   dy[((((long long)n * g.Z + iz * g.sd + t) * g.P + iy * g.sh + u) * g.Q + ix * g.sw + s) * g.K + k], acc);
                    }
        dw[i] = acc;
    }
}
