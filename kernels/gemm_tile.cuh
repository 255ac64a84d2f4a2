// The implicit-GEMM main loop shared by every convolution pass (convolution.cu): one block computes a BM x BN
// tile of C = A B, where a "problem" says how to read A[m][kk] and B[kk][n] straight from the tensors (no
// im2col buffer) and where C[m][n] goes. The multiply step is fp32 on the CUDA cores (Fp32Compute), or TF32
// (Tf32Compute) or BF16 (Bf16Compute) on the tensor cores; loading and staging are shared.
//
// 256 threads; BK = 16 deep k-tiles staged in shared memory, the next tile's global loads issued before the
// current one is multiplied (register prefetch). fp32: each thread accumulates a (BM/16) x (BN/16) block of
// consecutive rows and columns, read from shared memory as 128-bit vectors (a warp reads A as broadcasts of
// two rows, B as 16 consecutive vectors). TF32: operands are rounded once, as they are staged into shared
// memory, not each time a warp reads a fragment. Shared rows are padded by 8 floats: a TF32 fragment load
// (lanes g = 0..7 along a row, q = 0..3 along kk) then touches bank 8q + g, all 32 different, and rows stay
// 16-byte aligned for the fp32 path's vector reads.
// Each output is one thread's fixed chain over kk in increasing order, so both paths are deterministic.
//
// Loaders move one operand's k-tile from global memory into registers (load) and then into the shared tile
// (store); the generic Loader below reads element by element through the problem's accessors (any shape),
// and conv_iterators.cuh has vectorised ones for channel-aligned convolutions. A loader is constructed with
// its first line, and load(k0) is called with k0 = kk_begin, kk_begin + BK, ... in order.
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
#include "mma.cuh"

namespace gemm {
constexpr int THREADS = 256, BK = 16, PAD = 8;

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

// How operands are rounded as they are staged into shared memory: not at all (fp32 CUDA cores), or to what the
// tensor cores will read (TF32, BF16).
enum Rounding { ROUND_NONE = 0, ROUND_TF32 = 1, ROUND_BF16 = 2 };

// A value as it goes into a shared tile, rounded as the tensor cores will read it.
template <int ROUND>
__device__ inline float staged(float v) {
    if constexpr (ROUND == ROUND_TF32) return __uint_as_float(to_tf32(v));
    else if constexpr (ROUND == ROUND_BF16) return to_bf16(v);
    else return v;
}

// How a loader reaches one operand of the problem: its "lines" are A's rows or B's columns, its keys the
// reduction index kk; get() is the element at (line, kk), 0 outside.
template <class P>
struct OperandA {
    using Line = typename P::RowA;
    using Key = typename P::KeyA;
    static constexpr bool K_CONTIGUOUS = P::A_K_CONTIGUOUS;
    __device__ static Line line(const P& p, int m) { return p.row_a(m); }
    __device__ static Key key(const P& p, int kk) { return p.key_a(kk); }
    __device__ static float get(const P& p, const Line& l, const Key& k) { return p.a(l, k); }
};

template <class P>
struct OperandB {
    using Line = typename P::ColB;
    using Key = typename P::KeyB;
    static constexpr bool K_CONTIGUOUS = P::B_K_CONTIGUOUS;
    __device__ static Line line(const P& p, int n) { return p.col_b(n); }
    __device__ static Key key(const P& p, int kk) { return p.key_b(kk); }
    __device__ static float get(const P& p, const Line& l, const Key& k) { return p.b(k, l); }
};

// One thread's share of an operand's k-tile (EXTENT lines x BK), loaded into registers from global memory,
// then stored into the shared tile[BK][EXTENT + PAD]. Threads run along kk when kk is contiguous in memory,
// along the lines otherwise, so that a warp's loads are coalesced either way.
template <int EXTENT, class P, class Op, bool K_CONTIGUOUS = Op::K_CONTIGUOUS>
struct Loader;

template <int EXTENT, class P, class Op>
struct Loader<EXTENT, P, Op, true> {  // thread: one kk, lines l0 + i * STEP (their coordinates kept)
    static constexpr int E = EXTENT * BK / THREADS, STEP = THREADS / BK;
    typename Op::Line lines[E];
    int kc, l0;
    float v[E];
    __device__ Loader(const P& p, int first) : kc(threadIdx.x % BK), l0(threadIdx.x / BK) {
#pragma unroll
        for (int i = 0; i < E; i++) lines[i] = Op::line(p, first + l0 + i * STEP);
    }
    __device__ void load(const P& p, int k0) {
        typename Op::Key key = Op::key(p, k0 + kc);
#pragma unroll
        for (int i = 0; i < E; i++) v[i] = Op::get(p, lines[i], key);
    }
    template <int ROUND>
    __device__ void store(float (*tile)[EXTENT + PAD]) const {
#pragma unroll
        for (int i = 0; i < E; i++) tile[kc][l0 + i * STEP] = staged<ROUND>(v[i]);
    }
};

template <int EXTENT, class P, class Op>
struct Loader<EXTENT, P, Op, false> {  // thread: one line, kk = c0 + i * STEP
    static constexpr int E = EXTENT * BK / THREADS, STEP = THREADS / EXTENT;
    typename Op::Line line;
    int lc, c0;
    float v[E];
    __device__ Loader(const P& p, int first) : lc(threadIdx.x % EXTENT), c0(threadIdx.x / EXTENT) {
        line = Op::line(p, first + lc);
    }
    __device__ void load(const P& p, int k0) {
#pragma unroll
        for (int i = 0; i < E; i++) v[i] = Op::get(p, line, Op::key(p, k0 + c0 + i * STEP));
    }
    template <int ROUND>
    __device__ void store(float (*tile)[EXTENT + PAD]) const {
#pragma unroll
        for (int i = 0; i < E; i++) tile[c0 + i * STEP][lc] = staged<ROUND>(v[i]);
    }
};

// The block's shared tiles: both main loops use them.
template <int BM, int BN>
struct SharedTiles {
    float A[BK][BM + PAD];
    float B[BK][BN + PAD];
};

// fp32 on the CUDA cores: each thread a (BM/16) x (BN/16) block of consecutive rows and columns.
template <int BM, int BN>
struct Fp32Compute {
    static constexpr int ROUNDING = ROUND_NONE;
    static constexpr int TM = BM / 16, TN = BN / 16;
    float acc[TM][TN];
    int ty, tx;
    __device__ Fp32Compute() : ty(threadIdx.x / 16), tx(threadIdx.x % 16) {
#pragma unroll
        for (int i = 0; i < TM; i++)
#pragma unroll
            for (int j = 0; j < TN; j++) acc[i][j] = 0.f;
    }
    __device__ void multiply(const SharedTiles<BM, BN>& s) {
#pragma unroll
        for (int k = 0; k < BK; k++) {
            float a[TM], b[TN];
            load_vector(a, &s.A[k][ty * TM]);
            load_vector(b, &s.B[k][tx * TN]);
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
    }
    template <class P>
    __device__ void store(const P& p, int m0, int n0) const {
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
};

// The tensor-core paths' accumulators: the 8 warps as WARPS_M x WARPS_N, each a WM x WN warp tile of MI x NI 16x8
// instruction tiles, fp32, laid out per lane as the mma instructions leave them (mma.cuh), and their epilogue. The
// warps stand 4 x 2, or 8 x 1 for a 256 x 32 tile: a square 32 x 32 warp tile reads fewer fragments per multiply
// (per k-step 8 A and 8 B loads for 8 multiplies, where 64 x 16 needs 16 and 4).
template <int BM, int BN>
struct WarpTiles {
    static constexpr int WARPS_M = BM == 256 && BN == 32 ? 8 : 4, WARPS_N = 8 / WARPS_M;
    static constexpr int WM = BM / WARPS_M, WN = BN / WARPS_N, MI = WM / 16, NI = WN / 8;
    static_assert(WM % 16 == 0 && WN % 8 == 0 && THREADS == 256, "tensor-core warp tiling");
    float acc[MI][NI][4];
    int wm, wn, g, q;
    __device__ WarpTiles() {
        int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
        wm = warp / WARPS_N * WM;
        wn = warp % WARPS_N * WN;
        g = lane / 4;
        q = lane % 4;
#pragma unroll
        for (int i = 0; i < MI; i++)
#pragma unroll
            for (int j = 0; j < NI; j++)
#pragma unroll
                for (int r = 0; r < 4; r++) acc[i][j][r] = 0.f;
    }
    template <class P>
    __device__ void store(const P& p, int m0, int n0) const {
#pragma unroll
        for (int i = 0; i < MI; i++) {
#pragma unroll
            for (int half = 0; half < 2; half++) {
                typename P::OutRow row = p.out_row(m0 + wm + i * 16 + g + 8 * half);
                if (!row.valid) continue;
#pragma unroll
                for (int j = 0; j < NI; j++) {
#pragma unroll
                    for (int c = 0; c < 2; c++) {
                        int n = n0 + wn + j * 8 + 2 * q + c;
                        if (n < p.N) p.store(row, n, acc[i][j][2 * half + c]);
                    }
                }
            }
        }
    }
};

// TF32 on the tensor cores (mma.sync m16n8k8): operands already rounded to TF32 in shared memory, fp32
// accumulation; two k-steps of 8 per k-tile.
template <int BM, int BN>
struct Tf32Compute : WarpTiles<BM, BN> {
    static constexpr int ROUNDING = ROUND_TF32;
    using T = WarpTiles<BM, BN>;
    __device__ void multiply(const SharedTiles<BM, BN>& s) {
        const int g = this->g, q = this->q;
#pragma unroll
        for (int k = 0; k < BK; k += 8) {
            uint32_t a[T::MI][4], b[T::NI][2];
#pragma unroll
            for (int i = 0; i < T::MI; i++) {
                int row = this->wm + i * 16 + g;
                a[i][0] = __float_as_uint(s.A[k + q][row]);
                a[i][1] = __float_as_uint(s.A[k + q][row + 8]);
                a[i][2] = __float_as_uint(s.A[k + q + 4][row]);
                a[i][3] = __float_as_uint(s.A[k + q + 4][row + 8]);
            }
#pragma unroll
            for (int j = 0; j < T::NI; j++) {
                int col = this->wn + j * 8 + g;
                b[j][0] = __float_as_uint(s.B[k + q][col]);
                b[j][1] = __float_as_uint(s.B[k + q + 4][col]);
            }
#pragma unroll
            for (int i = 0; i < T::MI; i++)
#pragma unroll
                for (int j = 0; j < T::NI; j++) mma_tf32_16x8x8(this->acc[i][j], a[i], b[j]);
        }
    }
};

// BF16 on the tensor cores (mma.sync m16n8k16): operands rounded to BF16 when staged (kept as floats in shared
// memory), paired into bf16x2 registers as the fragments are read, fp32 accumulation; one k-step per k-tile.
template <int BM, int BN>
struct Bf16Compute : WarpTiles<BM, BN> {
    static constexpr int ROUNDING = ROUND_BF16;
    using T = WarpTiles<BM, BN>;
    static_assert(BK == 16, "one m16n8k16 step per k-tile");
    __device__ void multiply(const SharedTiles<BM, BN>& s) {
        const int k = 2 * this->q;
        uint32_t a[T::MI][4], b[T::NI][2];
#pragma unroll
        for (int i = 0; i < T::MI; i++) {
            int row = this->wm + i * 16 + this->g;
            a[i][0] = pack_bf16(s.A[k][row], s.A[k + 1][row]);
            a[i][1] = pack_bf16(s.A[k][row + 8], s.A[k + 1][row + 8]);
            a[i][2] = pack_bf16(s.A[k + 8][row], s.A[k + 9][row]);
            a[i][3] = pack_bf16(s.A[k + 8][row + 8], s.A[k + 9][row + 8]);
        }
#pragma unroll
        for (int j = 0; j < T::NI; j++) {
            int col = this->wn + j * 8 + this->g;
            b[j][0] = pack_bf16(s.B[k][col], s.B[k + 1][col]);
            b[j][1] = pack_bf16(s.B[k + 8][col], s.B[k + 9][col]);
        }
#pragma unroll
        for (int i = 0; i < T::MI; i++)
#pragma unroll
            for (int j = 0; j < T::NI; j++) mma_bf16_16x8x16(this->acc[i][j], a[i], b[j]);
    }
};

// The generic loaders of a problem's two operands.
template <int BM, int BN, class P>
struct ElementLoaders {
    using A = Loader<BM, P, OperandA<P>>;
    using B = Loader<BN, P, OperandB<P>>;
};

// The block's tile: rows m0.., columns n0.., with Compute's arithmetic and the Loaders' loaders (A, B). A block
// entirely past M returns before any barrier.
template <int BM, int BN, class Compute, class P, class Loaders = ElementLoaders<BM, BN, P>>
__device__ void tile(const P& p, int m0, int n0, SharedTiles<BM, BN>& s) {
    static_assert(BM % 16 == 0 && BN % 16 == 0 && THREADS % BM == 0 && THREADS % BN == 0, "tile shape");
    if (m0 >= p.M || n0 >= p.N) return;
    typename Loaders::A la(p, m0);
    typename Loaders::B lb(p, n0);
    Compute compute;
    constexpr int ROUND = Compute::ROUNDING;
    const int kb = p.kk_begin, ke = p.kk_end;
    if (kb < ke) {
        la.load(p, kb);
        lb.load(p, kb);
        for (int k0 = kb; k0 < ke; k0 += BK) {
            la.template store<ROUND>(s.A);
            lb.template store<ROUND>(s.B);
            __syncthreads();
            if (k0 + BK < ke) {  // the next tile's loads are in flight while this one is multiplied
                la.load(p, k0 + BK);
                lb.load(p, k0 + BK);
            }
            compute.multiply(s);
            __syncthreads();
        }
    }
    compute.store(p, m0, n0);
}
}  // namespace gemm
