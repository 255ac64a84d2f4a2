// Group norm over [N, V, C] (V = D*H*W voxels, channels last), affine, biased variance; instance norm is
// one channel per group. Statistics are per-channel sums first; the finalize kernels add a group's channels.
//
// Statistics: grid (slices, N), block 256. A block owns a fixed slice of one sample's voxels; its threads
// are (lane, channel) pairs, lane = tid / C, so consecutive threads read consecutive channels of one voxel
// (coalesced for C >= 32). Each thread sums its voxels in double, lanes are added in a fixed order, and
// partial[n][slice][c] is written once. group_norm_forward_finalize adds the slices in order. Two passes (mean, then
// squared deviations) as the CPU backend does. Fused with LeakyReLU, the forward writes the activation
// once and the backward applies the activation's gradient on the fly: the normalised values are never stored.
#include "common.cuh"

// partial[(n*slices + slice)*width + c] = sum over the slice's voxels of f(x), with f = x, (x - mean)^2.
extern "C" __global__ void group_norm_forward_sums(const float* x, const double* mean, int C, long long V, int slices, double* partial) {
    BACKSPLIT_DYNAMIC_SHARED(double, sh);
    int n = blockIdx.y, sl = blockIdx.x;
    long long from = V * sl / slices, to = V * (sl + 1) / slices;
    int lanes = C <= (int)blockDim.x ? blockDim.x / C : 1;
    int step = lanes == 1 ? blockDim.x : C;
    for (int c0 = 0; c0 < C; c0 += step) {
        int c = lanes == 1 ? c0 + threadIdx.x : threadIdx.x % C;
        int lane = lanes == 1 ? 0 : threadIdx.x / C;
        bool active = c < C && lane < lanes;
        double acc = 0;
        if (active) {
            double centre = mean ? mean[n * C + c] : 0.0;
            for (long long v = from + lane; v < to; v += lanes) {
                double e = (double)x[((long long)n * V + v) * C + c] - centre;
                acc += mean ? e * e : e;
            }
        }
        sh[threadIdx.x] = acc;
        __syncthreads();
        if (active && lane == 0) {
            double s = 0;
            for (int l = 0; l < lanes; l++) s += sh[l * C + (threadIdx.x % C)];
            partial[((long long)n * slices + sl) * C + c] = s;
        }
        __syncthreads();
    }
}

// One thread per (n, c): adds the slices of the `per` channels of c's group in order. mode 0: mean (double
// and float); mode 1: rstd. Each channel of a group gets the group's value.
extern "C" __global__ void group_norm_forward_finalize(const double* partial, int N, int C, int per, int slices, long long V, double eps, int mode,
                                         double* mean_d, float* out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= N * C) return;
    int n = i / C, c0 = i % C / per * per;
    double s = 0;
    for (int c = c0; c < c0 + per; c++)
        for (int sl = 0; sl < slices; sl++) s += partial[((long long)n * slices + sl) * C + c];
    double m = (double)V * per;
    if (mode == 0) {
        mean_d[i] = s / m;
        out[i] = (float)(s / m);
    } else {
        out[i] = (float)(1.0 / sqrt(s / m + eps));
    }
}

// y = x * (rstd*gamma) + (beta - mean*rstd*gamma), optionally followed by LeakyReLU (slope < 0: none).
extern "C" __global__ void group_norm_forward_apply(const float* x, const float* mean, const float* rstd, const float* gamma, const float* beta,
                                      float* y, int C, long long V, long long total, float slope) {
    GRID_STRIDE(i, total) {
        int c = (int)(i % C);
        long long n = i / (V * C);
        float scale = rstd[n * C + c] * gamma[c];
        float v = x[i] * scale + (beta[c] - mean[n * C + c] * scale);
        y[i] = slope < 0.f || v > 0.f ? v : slope * v;
    }
}

// Backward sums per slice: partial[(n*slices + slice)*2C + c] = sum dy, [... + C + c] = sum dy * xhat.
// With y non-NULL the incoming gradient first passes LeakyReLU's backward (g = y > 0 ? dy : slope*dy), fused.
extern "C" __global__ void group_norm_backward_sums(const float* dy, const float* x, const float* y, float slope, const float* mean,
                                         const float* rstd, int C, long long V, int slices, double* partial) {
    BACKSPLIT_DYNAMIC_SHARED(double, sh);
    int n = blockIdx.y, sl = blockIdx.x;
    long long from = V * sl / slices, to = V * (sl + 1) / slices;
    int lanes = C <= (int)blockDim.x ? blockDim.x / C : 1;
    int step = lanes == 1 ? blockDim.x : C;
    for (int c0 = 0; c0 < C; c0 += step) {
        int c = lanes == 1 ? c0 + threadIdx.x : threadIdx.x % C;
        int lane = lanes == 1 ? 0 : threadIdx.x / C;
        bool active = c < C && lane < lanes;
        double sdy = 0, sdx = 0;
        if (active) {
            float mu = mean[n * C + c], rs = rstd[n * C + c];
            for (long long v = from + lane; v < to; v += lanes) {
                long long i = ((long long)n * V + v) * C + c;
                double g = !y || y[i] > 0.f ? dy[i] : slope * dy[i];
                sdy += g;
                sdx += g * (double)((x[i] - mu) * rs);
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            sh[threadIdx.x] = pass == 0 ? sdy : sdx;
            __syncthreads();
            if (active && lane == 0) {
                double s = 0;
                for (int l = 0; l < lanes; l++) s += sh[l * C + (threadIdx.x % C)];
                partial[((long long)n * slices + sl) * 2 * C + pass * C + c] = s;
            }
            __syncthreads();
        }
    }
}

// One thread per channel: over the M = V*per elements of c's group, a[n*C+c] = sum gamma*dy / M and
// b[...] = sum gamma*dy*xhat / M; dgamma, dbeta (c's own sums) added over n in order.
extern "C" __global__ void group_norm_backward_finalize(const double* partial, const float* gamma, int N, int C, int per, int slices, long long V,
                                             float* a, float* b, float* dgamma, float* dbeta) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= C) return;
    int c0 = c / per * per;
    double dg = 0, db = 0, m = (double)V * per;
    for (int n = 0; n < N; n++) {
        double ga = 0, gb = 0;
        for (int k = c0; k < c0 + per; k++) {
            double sdy = 0, sdx = 0;
            for (int sl = 0; sl < slices; sl++) {
                sdy += partial[((long long)n * slices + sl) * 2 * C + k];
                sdx += partial[((long long)n * slices + sl) * 2 * C + C + k];
            }
            if (k == c) {
                db += sdy;
                dg += sdx;
            }
            ga += gamma[k] * sdy;
            gb += gamma[k] * sdx;
        }
        a[n * C + c] = (float)(ga / m);
        b[n * C + c] = (float)(gb / m);
    }
    dgamma[c] = (float)dg;
    dbeta[c] = (float)db;
}

// dx = rstd * (gamma * dy - a - xhat * b)
extern "C" __global__ void group_norm_backward_apply(const float* dy, const float* x, const float* y, float slope, const float* mean,
                                          const float* rstd, const float* gamma, const float* a, const float* b, float* dx, int C,
                                          long long V, long long total) {
    GRID_STRIDE(i, total) {
        int c = (int)(i % C);
        long long nc = (i / (V * C)) * C + c;
        float xhat = (x[i] - mean[nc]) * rstd[nc];
        float g = !y || y[i] > 0.f ? dy[i] : slope * dy[i];
        dx[i] = rstd[nc] * (gamma[c] * g - a[nc] - xhat * b[nc]);
    }
}
