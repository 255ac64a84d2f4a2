// The TF32 tensor-core instruction the GEMM's TF32 path uses: mma.sync m16n8k8 (sm_80+), one warp multiplying
// a 16x8 A tile by an 8x8 B tile into 16x8 fp32 accumulators. Fragment ownership per lane (PTX ISA, "matrix
// fragments for mma.m16n8k8" with .tf32), g = lane / 4, q = lane % 4:
//   A: a0 = A[g][q], a1 = A[g + 8][q], a2 = A[g][q + 4], a3 = A[g + 8][q + 4]
//   B: b0 = B[q][g], b1 = B[q + 4][g]                       (B is K x N)
//   C: c0 = C[g][2q], c1 = C[g][2q + 1], c2 = C[g + 8][2q], c3 = C[g + 8][2q + 1]
// The CUDA emulator implements the same two functions (native/cuda-emulator/device.h).
#pragma once
#include <stdint.h>

#ifndef BACKSPLIT_CUDA_EMULATOR
// x rounded to TF32: 10 mantissa bits, to nearest with ties to even (the tensor cores read only those bits).
// sm_90 has one instruction for it (F2FP.TF32); sm_80 only the ties-away form, which costs three, so there
// it is the same rounding in integer arithmetic. Infinities and NaNs pass through unchanged.
__device__ inline uint32_t to_tf32(float x) {
#if __CUDA_ARCH__ >= 900
    uint32_t r;
    asm("cvt.rn.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
#else
    uint32_t bits = __float_as_uint(x);
    if ((bits & 0x7F800000u) == 0x7F800000u) return bits;
    return (bits + 0xFFFu + ((bits >> 13) & 1u)) & 0xFFFFE000u;
#endif
}

// d += A B for this warp's fragments
__device__ inline void mma_tf32_16x8x8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif
