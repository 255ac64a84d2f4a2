// Shared helpers for the BackSplit kernels. Every kernel is extern "C" so the Java side finds it by name.
// Layout everywhere: row-major, activations channels-last [N, D, H, W, C] (float32).
// Determinism: no floating-point atomics anywhere; every reduction has a fixed split and a fixed order.
#pragma once
#include <stdint.h>

// The block's dynamic shared memory (the launch's sharedMemBytes). A macro so that the CUDA emulator
// (native/cuda-emulator/device.h) can give it its own meaning.
#ifndef BACKSPLIT_DYNAMIC_SHARED
#define BACKSPLIT_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

#define GRID_STRIDE(i, n) for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (long long)gridDim.x * blockDim.x)

// A voxel of a channels-last [N, D, H, W, C] tensor, from its index v = ((n * D + z) * H + y) * W + x.
struct Voxel {
    int n, z, y, x;
};
__device__ inline Voxel voxel_at(long long v, int D, int H, int W) {
    Voxel p;
    p.x = (int)(v % W);
    v /= W;
    p.y = (int)(v % H);
    v /= H;
    p.z = (int)(v % D);
    p.n = (int)(v / D);
    return p;
}

// Sums v over the block in a fixed tree order; the result is valid in thread 0. sh holds blockDim.x doubles.
__device__ inline double block_sum(double v, double* sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}
