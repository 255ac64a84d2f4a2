// The implicit-GEMM main loop shared by every convolution pass (conv_gemm.cu): one block computes a BM x BN
// tile of C = A B, where a "problem" says how to read A[m][kk] and B[kk][n] straight from the tensors (no
// im2col buffer) and where C[m][n] goes. fp32 on the CUDA cores (no tensor cores yet).
//
// 256 threads; BK = 16 deep k-tiles staged in shared memory, the next tile's global loads issued before the
// current one is multiplied (register prefetch); each thread accumulates a (BM/16) x (BN/16) block of
// consecutive rows and columns, read from shared memory as 128-bit vectors (a warp reads A as broadcasts of
// two rows, B as 16 consecutive vectors). Shared rows are padded by 4 floats: threads that store one kk
// row each then hit different banks (2-way instead of 16-way conflicts) and rows stay 16-byte aligned.
// Each output is one thread's fmaf chain over kk in increasing order: deterministic.
//
// A problem P provides:
//   M, N, kk_begin, kk_end (this block's slice of the reduction)
//   A_K_CONTIGUOUS / B_K_CONTIGUOUS: whether consecutive kk are adjacent in memory (then threads load along
//     kk) or consecutive m / n are (then threads load along m / n), so global loads are coalesced either way;
//   RowA row_a(m), KeyA key_a(kk), float a(RowA, KeyA): A's element, 0 outside (padding, tails);
//   KeyB key_b(kk), ColB col_b(n), float b(KeyB, ColB);
//   OutRow out_row(m) (with .valid), store(OutRow, n, value).
// Row/column information (voxel coordinates) is computed once per thread, kk information once per k-tile.
#pragma once

namespace gemm {
constexpr int THREADS = 256, BK = 16, PAD = 4;

// dst[0..T) = src[0..T), as 128-bit (or 64-bit) loads; src is 16-byte (8-byte) aligned
template <int T>
__device__ inline void load_vector(float (&dst)[T], const float* src) {
    if constexpr (T % 4 == 0) {
#pragma unroll
        for (int q = 0; q < T / 4; q++) {
            float4 v = reinterpret_cast<const float4*>(src)[q];
            dst[4 * q] = v.x;
            dst[4 * q + 1] = v.y;
            dst[4 * q + 2] = v.z;
            dst[4 * q + 3] = v.w;
        }
    } else if constexpr (T % 2 == 0) {
#pragma unroll
        for (int q = 0; q < T / 2; q++) {
            float2 v = reinterpret_cast<const float2*>(src)[q];
            dst[2 * q] = v.x;
            dst[2 * q + 1] = v.y;
        }
    } else {
#pragma unroll
        for (int q = 0; q < T; q++) dst[q] = src[q];
    }
}

// A's share of one thread, loaded into registers and then stored into As[BK][BM].
template <int BM, class P, bool K_CONTIGUOUS = P::A_K_CONTIGUOUS>
struct ALoader;

template <int BM, class P>
struct ALoader<BM, P, true> {  // thread: one kk column, rows r0 + i * STEP
    static constexpr int E = BM * BK / THREADS, STEP = THREADS / BK;
    typename P::RowA rows[E];
    int kc, r0;
    float v[E];
    __device__ ALoader(const P& p, int m0) : kc(threadIdx.x % BK), r0(threadIdx.x / BK) {
#pragma unroll
        for (int i = 0; i < E; i++) rows[i] = p.row_a(m0 + r0 + i * STEP);
    }
    __device__ void load(const P& p, int k0) {
        typename P::KeyA key = p.key_a(k0 + kc);
#pragma unroll
        for (int i = 0; i < E; i++) v[i] = p.a(rows[i], key);
    }
    __device__ void store(float (*As)[BM + PAD]) const {
#pragma unroll
        for (int i = 0; i < E; i++) As[kc][r0 + i * STEP] = v[i];
    }
};

template <int BM, class P>
struct ALoader<BM, P, false> {  // thread: one row, kk columns c0 + i * STEP
    static constexpr int E = BM * BK / THREADS, STEP = THREADS / BM;
    typename P::RowA row;
    int mr, c0;
    float v[E];
    __device__ ALoader(const P& p, int m0) : mr(threadIdx.x % BM), c0(threadIdx.x / BM) {
        row = p.row_a(m0 + mr);
    }
    __device__ void load(const P& p, int k0) {
#pragma unroll
        for (int i = 0; i < E; i++) v[i] = p.a(row, p.key_a(k0 + c0 + i * STEP));
    }
    __device__ void store(float (*As)[BM + PAD]) const {
#pragma unroll
        for (int i = 0; i < E; i++) As[c0 + i * STEP][mr] = v[i];
    }
};

// B's share of one thread, stored into Bs[BK][BN].
template <int BN, class P, bool K_CONTIGUOUS = P::B_K_CONTIGUOUS>
struct BLoader;

template <int BN, class P>
struct BLoader<BN, P, true> {  // thread: one kk row, columns n0 + i * STEP
    static constexpr int E = BN * BK / THREADS, STEP = THREADS / BK;
    typename P::ColB cols[E];
    int kr, c0;
    float v[E];
    __device__ BLoader(const P& p, int n0) : kr(threadIdx.x % BK), c0(threadIdx.x / BK) {
#pragma unroll
        for (int i = 0; i < E; i++) cols[i] = p.col_b(n0 + c0 + i * STEP);
    }
    __device__ void load(const P& p, int k0) {
        typename P::KeyB key = p.key_b(k0 + kr);
#pragma unroll
        for (int i = 0; i < E; i++) v[i] = p.b(key, cols[i]);
    }
    __device__ void store(float (*Bs)[BN + PAD]) const {
#pragma unroll
        for (int i = 0; i < E; i++) Bs[kr][c0 + i * STEP] = v[i];
    }
};

template <int BN, class P>
struct BLoader<BN, P, false> {  // thread: one column, kk rows r0 + i * STEP
    static constexpr int E = BN * BK / THREADS, STEP = THREADS / BN;
    typename P::ColB col;
    int nc, r0;
    float v[E];
    __device__ BLoader(const P& p, int n0) : nc(threadIdx.x % BN), r0(threadIdx.x / BN) {
        col = p.col_b(n0 + nc);
    }
    __device__ void load(const P& p, int k0) {
#pragma unroll
        for (int i = 0; i < E; i++) v[i] = p.b(p.key_b(k0 + r0 + i * STEP), col);
    }
    __device__ void store(float (*Bs)[BN + PAD]) const {
#pragma unroll
        for (int i = 0; i < E; i++) Bs[r0 + i * STEP][nc] = v[i];
    }
};

// The block's tile: rows m0.., columns n0... A block entirely past M returns before any barrier.
template <int BM, int BN, class P>
__device__ void tile(const P& p, int m0, int n0) {
    static_assert(BM % 16 == 0 && BN % 16 == 0 && THREADS % BM == 0 && THREADS % BN == 0, "tile shape");
    constexpr int TM = BM / 16, TN = BN / 16;
    if (m0 >= p.M || n0 >= p.N) return;
    __shared__ __align__(16) float As[BK][BM + PAD];
    __shared__ __align__(16) float Bs[BK][BN + PAD];
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
    ALoader<BM, P> la(p, m0);
    BLoader<BN, P> lb(p, n0);
    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
        for (int j = 0; j < TN; j++) acc[i][j] = 0.f;
    const int kb = p.kk_begin, ke = p.kk_end;
    if (kb < ke) {
        la.load(p, kb);
        lb.load(p, kb);
        for (int k0 = kb; k0 < ke; k0 += BK) {
            la.store(As);
            lb.store(Bs);
            __syncthreads();
            if (k0 + BK < ke) {  // the next tile's loads are in flight while this one is multiplied
                la.load(p, k0 + BK);
                lb.load(p, k0 + BK);
            }
#pragma unroll
            for (int k = 0; k < BK; k++) {
                float a[TM], b[TN];
                load_vector(a, &As[k][ty * TM]);
                load_vector(b, &Bs[k][tx * TN]);
#pragma unroll
                for (int i = 0; i < TM; i++)
#pragma unroll
                    for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
            }
            __syncthreads();
        }
    }
#pragma unroll
    for (int i = 0; i < TM; i++) {
        typename P::OutRow row = p.out_row(m0 + ty * TM + i);
        if (!row.valid) continue;
#pragma unroll
        for (int j = 0; j < TN; j++) {
            int n = n0 + tx * TN + j;
            if (n < p.N) p.store(row, n, acc[i][j]);
        }
    }
}
}  // namespace gemm
