// Force-included (g++ -include) when kernels/*.cu are compiled as host C++ for the CUDA emulator: maps the
// CUDA C++ the kernels use (qualifiers, thread and block indices, __shared__, __syncthreads) onto the
// emulator's block scheduler. Kernels must not use warp-level intrinsics: the emulator has no lockstep warps.
#pragma once
#include <math.h>
#include <stdint.h>
#include <stddef.h>

struct alignas(16) float4 {
    float x, y, z, w;
};
struct alignas(8) float2 {
    float x, y;
};

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

#define BACKSPLIT_CUDA_EMULATOR 1

namespace emu {
// The running thread's indices: the scheduler sets them before it resumes a thread (one OS thread runs one
// block at a time, so these are per OS thread).
// (Not the initial-exec TLS model: that would put the whole library's TLS, __shared__ arrays included, into
// the static TLS block, where a library loaded later does not fit.)
extern thread_local dim3 thread_index, block_index, block_dim, grid_dim;
void sync_threads();           // the block-wide barrier
void* dynamic_shared_memory(); // this block's dynamic shared memory (launch's sharedMemBytes)
// mma.sync m16n8k8 TF32 (kernels/mma.cuh): a warp-wide operation, emulated as a block-wide one (each call
// passes two block barriers), so every thread of the block must make the same calls, as the GEMM's do.
void mma_tf32_16x8x8(float* d, const uint32_t* a, const uint32_t* b);
// mma.sync m16n8k16 BF16, likewise a block-wide operation
void mma_bf16_16x8x16(float* d, const uint32_t* a, const uint32_t* b);
}  // namespace emu

// CUDA intrinsics the kernels use (device functions there).
// The high 32 bits of a * b.
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }

// Bit casts between float and uint32.
inline float __uint_as_float(uint32_t u) {
    float f;
    __builtin_memcpy(&f, &u, 4);
    return f;
}
inline uint32_t __float_as_uint(float f) {
    uint32_t u;
    __builtin_memcpy(&u, &f, 4);
    return u;
}

// Byte permute: byte i of the result is byte (selector >> 4i) & 7 of the eight bytes {a, b}, a's first.
inline uint32_t __byte_perm(uint32_t a, uint32_t b, uint32_t selector) {
    uint64_t both = ((uint64_t)b << 32) | a;
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) r |= (uint32_t)((both >> (8 * ((selector >> (4 * i)) & 7))) & 0xFFu) << (8 * i);
    return r;
}

// The mma instructions, emulated (block_scheduler.cpp).
inline void mma_tf32_16x8x8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    emu::mma_tf32_16x8x8(d, a, b);
}

inline void mma_bf16_16x8x16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    emu::mma_bf16_16x8x16(d, a, b);
}

// CUDA's integer min and max (device functions there).
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __restrict__ __restrict
// One OS thread runs all threads of a block before it starts the next block, so a thread_local static is
// exactly "one copy per block, shared by its threads". Unlike on a GPU it keeps its values between blocks.
#define __shared__ static thread_local
#define threadIdx (emu::thread_index)
#define blockIdx (emu::block_index)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)
#define __syncthreads() emu::sync_threads()
#define BACKSPLIT_DYNAMIC_SHARED(type, name) type* name = static_cast<type*>(emu::dynamic_shared_memory())
