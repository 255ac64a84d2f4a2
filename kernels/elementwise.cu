// Elementwise operations and tensor plumbing: one thread per element, grid-stride loops, launch shape
// (blocks, 256) chosen by the host. Every output element is written by exactly one thread.
#include "common.cuh"

extern "C" __global__ void fill_f32(float* x, float v, long long n) {
    GRID_STRIDE(i, n) x[i] = v;
}

extern "C" __global__ void add_f32(const float* a, const float* b, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = a[i] + b[i];
}

extern "C" __global__ void scale_f32(float* x, float s, long long n) {
    GRID_STRIDE(i, n) x[i] *= s;
}

// out = [a | b] along channels; voxels = N*D*H*W.
extern "C" __global__ void concat_channels(const float* a, const float* b, float* out, int ca, int cb, long long voxels) {
    long long c = ca + cb;
    GRID_STRIDE(i, voxels * c) {
        long long v = i / c;
        int ch = (int)(i - v * c);
        out[i] = ch < ca ? a[v * ca + ch] : b[v * cb + ch - ca];
    }
}

extern "C" __global__ void split_channels(const float* in, float* a, float* b, int ca, int cb, long long voxels) {
    long long c = ca + cb;
    GRID_STRIDE(i, voxels * c) {
        long long v = i / c;
        int ch = (int)(i - v * c);
        if (ch < ca) a[v * ca + ch] = in[i];
        else b[v * cb + ch - ca] = in[i];
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

// Sum of squares: block b sums the elements i = b*blockDim + t + k*gridDim*blockDim in double, then a fixed
// tree; partial[b] per block, summed by the host in order. Launch with a fixed grid for determinism.
extern "C" __global__ void sum_squares_partial(const float* x, long long n, double* partial) {
    BACKSPLIT_DYNAMIC_SHARED(double, sh);
    double acc = 0;
    GRID_STRIDE(i, n) acc += (double)x[i] * x[i];
    double s = block_sum(acc, sh);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// Gradient clipping without a host round trip. clip_coefficient sums the partial sums of squares of all
// gradients (sum_squares_partial, one run per tensor into consecutive slots) in a fixed order, in one block:
// result[0] = the norm, result[1] = min(1, maxNorm / (norm + 1e-6)) as torch.nn.utils.clip_grad_norm_.
extern "C" __global__ void clip_coefficient(const double* partial, long long count, double max_norm, double* result) {
    BACKSPLIT_DYNAMIC_SHARED(double, sh);
    double acc = 0;
    for (long long i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
    double s = block_sum(acc, sh);
    if (threadIdx.x == 0) {
        double norm = sqrt(s), coef = max_norm / (norm + 1e-6);
        result[0] = norm;
        result[1] = coef < 1 ? coef : 1;
    }
}

// g *= the clip coefficient (a multiplication by 1 when the norm is below the maximum: exact)
extern "C" __global__ void scale_by_clip(float* g, const double* result, long long n) {
    float c = (float)result[1];
    GRID_STRIDE(i, n) g[i] *= c;
}
