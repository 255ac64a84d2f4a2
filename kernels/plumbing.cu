// Tensor plumbing (Backend: add, concatChannels, splitChannels): one thread per element, grid-stride loops, launch shape
// (blocks, 256) chosen by the host. Every output element is written by exactly one thread.
#include "common.cuh"

extern "C" __global__ void add_tensors(const float* a, const float* b, float* out, long long n) {
    GRID_STRIDE(i, n) out[i] = a[i] + b[i];
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
