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

// x rounded to TF32 as kernels/mma.cuh's to_tf32 does (cvt.rn.tf32.f32): 10 mantissa bits, to nearest with
// ties to even; infinities and NaNs unchanged
inline uint32_t to_tf32(float x) {
    uint32_t bits;
    __builtin_memcpy(&bits, &x, 4);
    if ((bits & 0x7F800000u) == 0x7F800000u) return bits;
    return (bits + 0xFFFu + ((bits >> 13) & 1u)) & 0xFFFFE000u;
}
// The high 32 bits of a * b (an intrinsic there).
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }

// CUDA's bit casts between float and uint32 (intrinsics there).
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
inline void mma_tf32_16x8x8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    emu::mma_tf32_16x8x8(d, a, b);
}

// x rounded to bf16 as cvt.rn.bf16.f32 does (to nearest, ties to even; infinities and NaNs unchanged), as a float
inline float to_bf16(float x) {
    uint32_t bits;
    __builtin_memcpy(&bits, &x, 4);
    if ((bits & 0x7F800000u) != 0x7F800000u) bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
    return __uint_as_float(bits);
}
// two bf16-exact floats as one bf16x2 register, lo in the low half (kernels/mma.cuh's pack_bf16)
inline uint32_t pack_bf16(float lo, float hi) { return (__float_as_uint(hi) & 0xFFFF0000u) | (__float_as_uint(lo) >> 16); }
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
