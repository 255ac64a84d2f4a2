// The tensor-core instructions of the GEMM's reduced-precision paths (sm_80+), each one warp multiplying into 16x8
// fp32 accumulators. Fragment ownership per lane (PTX ISA, "matrix fragments for mma.m16n8k8" with .tf32 and
// "for mma.m16n8k16" with .bf16), g = lane / 4, q = lane % 4:
//   TF32 m16n8k8 (A 16x8, B 8x8):
//     A: a0 = A[g][q], a1 = A[g + 8][q], a2 = A[g][q + 4], a3 = A[g + 8][q + 4]
//     B: b0 = B[q][g], b1 = B[q + 4][g]                       (B is K x N)
//   BF16 m16n8k16 (A 16x16, B 16x8), two bf16 per register, the lower k in the low half:
//     A: a0 = A[g][2q, 2q+1], a1 = A[g + 8][2q, 2q+1], a2 = A[g][2q+8, 2q+9], a3 = A[g + 8][2q+8, 2q+9]
//     B: b0 = B[2q, 2q+1][g], b1 = B[2q+8, 2q+9][g]
//   C (both): c0 = C[g][2q], c1 = C[g][2q + 1], c2 = C[g + 8][2q], c3 = C[g + 8][2q + 1]
// The CUDA emulator implements the same functions (native/cuda-emulator/device.h).
#pragma once
#include <stdint.h>

// The operand roundings and packing, shared with the CUDA emulator (which supplies the intrinsics): where the
// hardware has one instruction it is used, elsewhere (sm_80, the emulator) the same rounding in integer code.
// Infinities and NaNs pass through unchanged.

// x rounded to TF32: 10 mantissa bits, to nearest with ties to even (the tensor cores read only those bits). sm_90
// has one instruction for it (F2FP.TF32); sm_80 only the ties-away form, which costs three.
__device__ inline uint32_t to_tf32(float x) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    uint32_t r;
    asm("cvt.rn.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
#else
    uint32_t bits = __float_as_uint(x);
    if ((bits & 0x7F800000u) == 0x7F800000u) return bits;
    return (bits + 0xFFFu + ((bits >> 13) & 1u)) & 0xFFFFE000u;
#endif
}

// x rounded to bf16 (8 significant bits, to nearest with ties to even), as a float whose low 16 bits are zero
__device__ inline float to_bf16(float x) {
#if defined(__CUDA_ARCH__)
    unsigned short h;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return __uint_as_float((uint32_t)h << 16);
#else
    uint32_t bits = __float_as_uint(x);
    if ((bits & 0x7F800000u) != 0x7F800000u) bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
    return __uint_as_float(bits);
#endif
}

// two bf16-exact floats as one bf16x2 register: lo's value in the low half (one byte permute)
__device__ inline uint32_t pack_bf16(float lo, float hi) {
    return __byte_perm(__float_as_uint(lo), __float_as_uint(hi), 0x7632);
}

#ifndef BACKSPLIT_CUDA_EMULATOR
// d += A B for this warp's bf16 fragments
__device__ inline void mma_bf16_16x8x16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// d += A B for this warp's fragments
__device__ inline void mma_tf32_16x8x8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
#endif
