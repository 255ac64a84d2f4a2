// Average pooling (window = stride) and trilinear upsampling (integer factors, align_corners = False), forward
// and backward side by side, on channels-last [N, D, H, W, C]. One thread per output element; the backward
// passes gather (one thread per input element sums what it fed, in a fixed order), so there are no atomics.
#include "common.cuh"

// y[n, z, y, x, c] = mean of the kz*ky*kx window at (z*kz, y*ky, x*kx); input sizes D, H, W, output floored.
extern "C" __global__ void avg_pool3d_forward(const float* x, float* y, int N, int D, int H, int W, int C, int kz, int ky, int kx,
                                        long long total) {
    int Do = D / kz, Ho = H / ky, Wo = W / kx;
    float inv = 1.f / (kz * ky * kx);
    GRID_STRIDE(i, total) {
        int c = (int)(i % C);
        Voxel o = voxel_at(i / C, Do, Ho, Wo);
        float sum = 0.f;
        for (int a = 0; a < kz; a++)
            for (int b = 0; b < ky; b++)
                for (int e = 0; e < kx; e++)
                    sum += x[((((long long)o.n * D + o.z * kz + a) * H + o.y * ky + b) * W + o.x * kx + e) * C + c];
        y[i] = sum * inv;
    }
}

// dx = dy of the window holding the element / window volume; 0 for the floored-off tails.
extern "C" __global__ void avg_pool3d_backward(const float* dy, float* dx, int N, int D, int H, int W, int C, int kz, int ky, int kx,
                                        long long total) {
    int Do = D / kz, Ho = H / ky, Wo = W / kx;
    float inv = 1.f / (kz * ky * kx);
    GRID_STRIDE(i, total) {
        int c = (int)(i % C);
        Voxel v = voxel_at(i / C, D, H, W);
        int zo = v.z / kz, yo = v.y / ky, xo = v.x / kx;
        dx[i] = zo < Do && yo < Ho && xo < Wo ? dy[((((long long)v.n * Do + zo) * Ho + yo) * Wo + xo) * C + c] * inv : 0.f;
    }
}

// The rows i0, i1 and the weight of i1 that output row o reads, as PyTorch's align_corners = False computes it.
__device__ inline void linear_source(int o, int len, int scale, int* i0, int* i1, float* w1) {
    float src = fmaxf(0.f, (o + 0.5f) / scale - 0.5f);
    int f = min((int)src, len - 1);
    *i0 = f;
    *i1 = min(f + 1, len - 1);
    *w1 = src - f;
}

// One axis of a trilinear upsampling: the tensor seen as [outer, len, inner] becomes [outer, len*scale, inner].
extern "C" __global__ void upsample_trilinear_axis_forward(const float* in, float* out, long long outer, int len, int scale, long long inner,
                                                long long total) {
    int up = len * scale;
    GRID_STRIDE(i, total) {
        long long k = i % inner, r = i / inner;
        int o = (int)(r % up);
        long long q = r / up;
        int i0, i1;
        float w1;
        linear_source(o, len, scale, &i0, &i1, &w1);
        out[i] = (1.f - w1) * in[(q * len + i0) * inner + k] + w1 * in[(q * len + i1) * inner + k];
    }
}

// Its transpose: input row r sums the output rows u in [scale*(r-1), scale*(r+2)) that read it, in order.
extern "C" __global__ void upsample_trilinear_axis_backward(const float* dout, float* din, long long outer, int len, int scale,
                                                    long long inner, long long total) {
    int up = len * scale;
    GRID_STRIDE(i, total) {
        long long k = i % inner, rr = i / inner;
        int r = (int)(rr % len);
        long long q = rr / len;
        float acc = 0.f;
        for (int u = max(0, scale * (r - 1)); u < min(up, scale * (r + 2)); u++) {
            int i0, i1;
            float w1;
            linear_source(u, len, scale, &i0, &i1, &w1);
            float w = (i0 == r ? 1.f - w1 : 0.f) + (i1 == r ? w1 : 0.f);
            if (w != 0.f) acc += w * dout[(q * up + u) * inner + k];
        }
        din[i] = acc;
    }
}

// PyTorch's interpolate(mode='nearest-exact') for label maps [N, D, H, W] (one channel), computed in double
// exactly as the CPU backend does: source = min(floor((dst + 0.5) * in / out), in - 1).
__device__ inline int nearest_exact(int dst, int in, int out) {
    int s = (int)floor((dst + 0.5) * in / out);
    return s < in - 1 ? s : in - 1;
}

extern "C" __global__ void downsample_labels(const float* in, float* out, int n, int sd, int sh, int sw, int td, int th, int tw) {
    long long total = (long long)n * td * th * tw;
    GRID_STRIDE(i, total) {
        Voxel v = voxel_at(i, td, th, tw);
        out[i] = in[(((long long)v.n * sd + nearest_exact(v.z, sd, td)) * sh + nearest_exact(v.y, sh, th)) * sw + nearest_exact(v.x, sw, tw)];
    }
}
