// Vectorised operand loaders for the convolution passes whose channels line up with the GEMM's k-tiles: every
// 3D U-Net layer past the first. They do in the main loop only what changes from one k-tile to the next, in
// the manner of CUTLASS's implicit-GEMM iterators:
//   - per row (once per block tile): its voxel, the window corner, a bit mask of the taps that land inside
//     the volume, and a 32-bit base offset;
//   - per k-tile (uniform across the block): the tap and the channel base, advanced incrementally (no
//     division); a tap's voxel offset is updated by adds when the tap changes;
//   - per element group: one predicated 128-bit load (4 channels) at base + tap offset + channel.
// Where a voxel index must be decoded inside the loop (the weight gradient reduces over voxels), it is done by
// multiply-shift division (FastDivmod), never by the divide unit.
//
// The host (CudaConvolution) launches these only when their conditions hold, checked there:
//   forward          C and the pair's first part c1 multiples of BK, taps <= 32, every offset < 2^31;
//   backward data    K a multiple of BK, C a multiple of 4, taps <= 32, offsets < 2^31 (any stride: phases);
//   backward weight  C, c1 and K multiples of 4, offsets < 2^31.
// Other layers (the first layer's one or two channels, odd channel counts) take the generic element-wise
// loaders of gemm_tile.cuh. Both compute exactly the same sums in the same order, so results are identical.
#pragma once
#include "common.cuh"
#include "conv_geometry.cuh"
#include "gemm_tile.cuh"

namespace conv {
constexpr int VEC = 4;                 // floats per 128-bit load
constexpr int QUADS = gemm::BK / VEC;  // 128-bit groups along one k-tile

// n / d and n % d for 0 <= n < 2^31 by a multiply and a shift (Granlund-Montgomery, as CUTLASS's FastDivmod):
// shift = ceil(log2 d), multiplier = floor(2^32 (2^shift - d) / d) + 1, n / d = (umulhi(n, m) + n) >> shift.
struct FastDivmod {
    unsigned d, multiplier, shift;
    __device__ explicit FastDivmod(int divisor) : d((unsigned)divisor), multiplier(0), shift(0) {
        while ((1u << shift) < d) shift++;
        multiplier = (unsigned)(((1ull << 32) * ((1ull << shift) - d)) / d + 1);
    }
    __device__ int div(int n) const { return (int)((__umulhi((unsigned)n, multiplier) + (unsigned)n) >> shift); }
    // quotient, and n - quotient * d into remainder
    __device__ int divmod(int n, int& remainder) const {
        int q = div(n);
        remainder = n - q * (int)d;
        return q;
    }
};

__device__ inline float4 zero4() { return float4{0.f, 0.f, 0.f, 0.f}; }

__device__ inline float4 load4(const float* p) { return *reinterpret_cast<const float4*>(p); }

// The four values of v into a shared tile's column `line`, rows kk .. kk + 3 (an operand stored [kk][line]).
template <int ROUND, int W>
__device__ inline void store_down(float (*tile)[W], int kk, int line, float4 v) {
    tile[kk][line] = gemm::staged<ROUND>(v.x);
    tile[kk + 1][line] = gemm::staged<ROUND>(v.y);
    tile[kk + 2][line] = gemm::staged<ROUND>(v.z);
    tile[kk + 3][line] = gemm::staged<ROUND>(v.w);
}

// The four values of v into row kk of a shared tile, lines line .. line + 3 (16-byte aligned: one vector store).
template <int ROUND, int W>
__device__ inline void store_along(float (*tile)[W], int kk, int line, float4 v) {
    *reinterpret_cast<float4*>(&tile[kk][line]) =
        float4{gemm::staged<ROUND>(v.x), gemm::staged<ROUND>(v.y), gemm::staged<ROUND>(v.z), gemm::staged<ROUND>(v.w)};
}

// The k-tile cursor of the forward and backward-data passes: kk = tap * channels + c, a k-tile inside one tap
// (channels is a multiple of BK), taps (t, u, s) of a ? x kh x kw kernel in order. offset = t * stepT + u * stepU +
// s * stepS, kept by adds: with steps (H * W, W, 1) a tap's voxel offset in an H x W grid; with the kernel's own
// strides, a tap's index in the full kernel. Every thread advances its own copy identically.
struct TapCursor {
    int tap, t, u, s, c, offset;
    int kh, kw, channels, stepU, stepT, stepS;
    __device__ TapCursor(int kh_, int kw_, int channels_, int stepT_, int stepU_, int stepS_, int first = 0)
        : tap(0), t(0), u(0), s(0), c(0), offset(first), kh(kh_), kw(kw_), channels(channels_), stepU(stepU_),
          stepT(stepT_), stepS(stepS_) {}
    __device__ void next() {
        c += gemm::BK;
        if (c < channels) return;
        c = 0;
        tap++;
        s++;
        offset += stepS;
        if (s < kw) return;
        s = 0;
        u++;
        offset += stepU - kw * stepS;
        if (u < kh) return;
        u = 0;
        t++;
        offset += stepT - kh * stepU;
    }
};

// Which taps of a kd x kh x kw kernel land inside a D x H x W volume from corner (z, y, x), the tap moving
// by `sign` (+1: the forward pass's window, -1: backward data's mirrored one): bit (t * kh + u) * kw + s.
__device__ inline unsigned tap_mask(int z, int y, int x, int sign, int kd, int kh, int kw, int D, int H, int W) {
    unsigned mask = 0;
    for (int t = 0, bit = 0; t < kd; t++)
        for (int u = 0; u < kh; u++)
            for (int s = 0; s < kw; s++, bit++) {
                int zz = z + sign * t, yy = y + sign * u, xx = x + sign * s;
                if (zz >= 0 && zz < D && yy >= 0 && yy < H && xx >= 0 && xx < W) mask |= 1u << bit;
            }
    return mask;
}

// The rows of a window operand (forward's x windows, backward data's mirrored dy windows): thread = one row (line =
// tid % EXTENT) and the 4-channel groups q0, q0 + LANES, ... of each k-tile. Per row, once: its window corner's
// voxel index in the source grid and the mask of the taps that land inside; per k-tile: the cursor's tap and channel.
template <int EXTENT>
struct WindowRows {
    static constexpr int LANES = gemm::THREADS / EXTENT, V = QUADS / LANES;
    static_assert(QUADS % LANES == 0, "whole groups per thread");
    TapCursor cursor;
    int line, q0, base;  // base: the corner's voxel index (meaningful where a tap is inside)
    unsigned mask;       // taps inside the source volume; 0 for a row past M
    float4 v[V];
    __device__ explicit WindowRows(const TapCursor& c)
        : cursor(c), line(threadIdx.x % EXTENT), q0(threadIdx.x / EXTENT), base(0), mask(0) {}
    // this row's corner (n, z, y, x) in a D x H x W source grid; the taps of a kd x kh x kw kernel move by `sign`
    __device__ void place(bool valid, int n, int z, int y, int x, int sign, int kd, int kh, int kw, int D, int H, int W) {
        base = ((n * D + z) * H + y) * W + x;
        mask = valid ? tap_mask(z, y, x, sign, kd, kh, kw, D, H, W) : 0u;
    }
    __device__ bool inside() const { return (mask >> cursor.tap) & 1u; }
    // the k-tile's groups from src (this row's source at the cursor's tap and channel), zeros outside; then the next
    __device__ void gather(const float* src, bool in) {
#pragma unroll
        for (int i = 0; i < V; i++) v[i] = in ? load4(src + VEC * (q0 + i * LANES)) : zero4();
        cursor.next();
    }
    template <int ROUND>
    __device__ void store(float (*tile)[EXTENT + gemm::PAD]) const {
#pragma unroll
        for (int i = 0; i < V; i++) store_down<ROUND>(tile, VEC * (q0 + i * LANES), line, v[i]);
    }
};

// The k-rows of a columns-contiguous operand (backward data's weights, backward weight's dy): thread = one row r of
// the k-tile and one 4-wide group of columns; `col` is the group's first column, `active` whether the thread has a
// row and its columns exist. A problem's loader computes the source of (r, col) and calls take().
template <int EXTENT>
struct ColumnGroups {
    static constexpr int GROUPS = EXTENT / VEC, ROWS = gemm::THREADS / GROUPS;
    static_assert(ROWS >= gemm::BK, "one row per thread at most");
    int r, col;
    bool active;
    float4 v;
    __device__ ColumnGroups(int first, int N) : r(threadIdx.x / GROUPS), col(first + VEC * (threadIdx.x % GROUPS)) {
        active = r < gemm::BK && col < N;
    }
    __device__ void take(const float* src, bool in) { v = in ? load4(src) : zero4(); }
    template <int ROUND>
    __device__ void store(float (*tile)[EXTENT + gemm::PAD]) const {
        if (r < gemm::BK) store_along<ROUND>(tile, r, VEC * (threadIdx.x % GROUPS), v);
    }
};

// ---- convolution forward, channel-aligned. A[m][kk] = x at (window corner of output voxel m + tap, c),
// B[kk][n] = w[n][kk]; the input may be a channel pair whose first part's width c1 is a multiple of BK.
struct AlignedForward {
    const float *xa, *xb, *w, *bias;
    float* y;
    Geo g;
    int c1, M, N, kk_begin, kk_end;
    using OutRow = Out;
    __device__ AlignedForward(const float* xa_, const float* xb_, int c1_, const float* w_, const float* b_, float* y_, Geo g_)
        : xa(xa_), xb(xb_), w(w_), bias(b_), y(y_), g(g_), c1(c1_) {
        M = g.N * g.Z * g.P * g.Q;
        N = g.K;
        kk_begin = 0;
        kk_end = g.kd * g.kh * g.kw * g.C;
    }
    __device__ Out out_row(int m) const { return Out{(long long)m * N, Row{}, m < M}; }
    __device__ void store(const Out& o, int n, float v) const { y[o.base + n] = v + (bias ? bias[n] : 0.f); }

    // A: the x windows of the output voxels
    template <int EXTENT>
    struct LoaderA : WindowRows<EXTENT> {
        __device__ LoaderA(const AlignedForward& p, int first)
            : WindowRows<EXTENT>(TapCursor(p.g.kh, p.g.kw, p.g.C, p.g.H * p.g.W, p.g.W, 1)) {
            const Geo& g = p.g;
            int m = first + this->line;
            Voxel o = voxel_at(m < p.M ? m : 0, g.Z, g.P, g.Q);
            this->place(m < p.M, o.n, o.z * g.sd - g.pd, o.y * g.sh - g.ph, o.x * g.sw - g.pw, 1, g.kd, g.kh, g.kw, g.D, g.H, g.W);
        }
        __device__ void load(const AlignedForward& p, int) {
            const TapCursor& c = this->cursor;
            bool in = this->inside();
            int vox = in ? this->base + c.offset : 0;
            // the k-tile lies in one part of the pair (c1 is a multiple of BK)
            this->gather(c.c < p.c1 ? p.xa + vox * p.c1 + c.c : p.xb + vox * (p.g.C - p.c1) + c.c - p.c1, in);
        }
    };

    // B: thread = one output channel (line) and 4-wide groups of its weight row; rows of w are kk-contiguous
    template <int EXTENT>
    struct LoaderB {
        static constexpr int LANES = gemm::THREADS / EXTENT;
        int line, q;
        bool active;
        const float* row;
        float4 v;
        __device__ LoaderB(const AlignedForward& p, int first)
            : line(threadIdx.x % EXTENT), q(threadIdx.x / EXTENT) {
            int n = first + line;
            active = q < QUADS && n < p.N;
            row = p.w + (active ? n * p.kk_end : 0) + VEC * (q < QUADS ? q : 0);
        }
        __device__ void load(const AlignedForward&, int k0) { v = active ? load4(row + k0) : zero4(); }
        template <int ROUND>
        __device__ void store(float (*tile)[EXTENT + gemm::PAD]) const {
            if (q < QUADS) store_down<ROUND>(tile, VEC * q, line, v);
        }
    };
};

// ---- convolution backward data, channel-aligned, one stride phase per grid layer (blockIdx.z). The input voxels
// of phase (pd_, ph_, pw_), d = d' sd + pd_, are reached only by the taps t = t0 + i sd (i < nt), from dy voxel
// d' + off - i with off = (pd_ + pad - t0) / sd (exact): a stride-1 problem over the phase's voxels with an
// nt x nu x ns kernel. A[m][kk] = dy at (phase voxel m + off - phase tap, k), kk = phase tap * K + k;
// B[kk][n] = w[k][its full tap][n]. With stride 1 there is one phase and every tap. The input gradient may be
// a channel pair (written per element).
struct AlignedBackwardData : StridePhase {
    const float *dy, *w;
    ChannelPair<float> dx;
    Geo g;
    int taps, M, N, kk_begin, kk_end;
    using OutRow = Out;
    __device__ AlignedBackwardData(const float* dy_, const float* w_, ChannelPair<float> dx_, Geo g_, int phase)
        : StridePhase(g_, phase), dy(dy_), w(w_), dx(dx_), g(g_) {
        taps = g.kd * g.kh * g.kw;
        M = g.N * Dp * Hp * Wp;
        N = g.C;
        kk_begin = 0;
        kk_end = nt * nu * ns * g.K;
    }
    __device__ Out out_row(int m) const {
        Voxel v = voxel_at(m < M ? m : 0, Dp, Hp, Wp);
        int voxel = ((v.n * g.D + v.z * g.sd + phd) * g.H + v.y * g.sh + phh) * g.W + v.x * g.sw + phw;
        return Out{voxel, Row{}, m < M};
    }
    __device__ void store(const Out& o, int n, float v) const { dx.at(o.base, n) = v; }

    // A: the mirrored dy windows of the phase's input voxels; a phase tap moves the source voxel by -offset
    template <int EXTENT>
    struct LoaderA : WindowRows<EXTENT> {
        __device__ LoaderA(const AlignedBackwardData& p, int first)
            : WindowRows<EXTENT>(TapCursor(p.nu, p.ns, p.g.K, p.g.P * p.g.Q, p.g.Q, 1)) {
            const Geo& g = p.g;
            int m = first + this->line;
            Voxel o = voxel_at(m < p.M ? m : 0, p.Dp, p.Hp, p.Wp);
            // the dy voxel of phase tap 0
            this->place(m < p.M, o.n, o.z + p.offd, o.y + p.offh, o.x + p.offw, -1, p.nt, p.nu, p.ns, g.Z, g.P, g.Q);
        }
        __device__ void load(const AlignedBackwardData& p, int) {
            bool in = this->inside();
            this->gather(p.dy + (in ? this->base - this->cursor.offset : 0) * p.g.K + this->cursor.c, in);
        }
    };

    // B: thread = one kk row of the k-tile (r) and a 4-wide group of input channels; w[k][tap][c] rows are
    // c-contiguous; the phase tap (t, u, s) of the cursor is the full tap (t0 + t sd, u0 + u sh, s0 + s sw)
    template <int EXTENT>
    struct LoaderB : ColumnGroups<EXTENT> {
        TapCursor cursor;  // offset: the phase tap's index in the full kernel
        __device__ LoaderB(const AlignedBackwardData& p, int first)
            : ColumnGroups<EXTENT>(first, p.N),
              cursor(p.nu, p.ns, p.g.K, p.g.sd * p.g.kh * p.g.kw, p.g.sh * p.g.kw, p.g.sw, (p.t0 * p.g.kh + p.u0) * p.g.kw + p.s0) {}
        __device__ void load(const AlignedBackwardData& p, int) {
            int k = cursor.c + this->r;
            this->take(p.w + (k * p.taps + cursor.offset) * p.g.C + this->col, this->active);
            cursor.next();
        }
    };
};

// ---- convolution backward weight, channel-aligned, transposed so that the long side is M: dw[k][tap][c] =
// sum over output voxels v of x[window corner(v) + tap][c] dy[v][k]. M = taps x C (m = tap * C + c), N = K,
// the reduction over this block's voxel slice. A[m][v] is c-contiguous, B[v][n] = dy[v][n] k-contiguous.
struct AlignedBackwardWeight {
    const float *xa, *xb, *dy;
    float* partial;  // [slices][K][taps x C]
    Geo g;
    int c1, slice, M, N, kk_begin, kk_end;
    using OutRow = Out;
    __device__ AlignedBackwardWeight(const float* xa_, const float* xb_, int c1_, const float* dy_, float* p_, Geo g_, int slice_, int slices)
        : xa(xa_), xb(xb_), dy(dy_), partial(p_), g(g_), c1(c1_), slice(slice_) {
        M = g.kd * g.kh * g.kw * g.C;
        N = g.K;
        int voxels = g.N * g.Z * g.P * g.Q;
        kk_begin = slice_begin(voxels, slice, slices);
        kk_end = slice_begin(voxels, slice + 1, slices);
    }
    __device__ Out out_row(int m) const { return Out{(long long)slice * M * N + m, Row{}, m < M}; }
    __device__ void store(const Out& o, int n, float v) const { partial[o.base + (long long)n * M] = v; }

    // A: a warp's lanes take 32 consecutive 4-wide groups of (tap, c) lines (coalesced loads, conflict-free
    // stores), each thread SETS such groups 32 apart, fixed for the block, and k-tile rows (voxels) r0, r0 + 8;
    // a voxel is decoded once by multiply-shift division and bounds-checked against each group's tap
    template <int EXTENT>
    struct LoaderA {
        static constexpr int GROUPS = EXTENT / VEC, SETS = GROUPS / 32, ROWS_STEP = gemm::THREADS / 32, V = gemm::BK / ROWS_STEP;
        static_assert(GROUPS % 32 == 0 && gemm::BK % ROWS_STEP == 0, "whole groups and rows per thread");
        struct Group {
            int t, u, s, offset;  // the tap, and its voxel offset (t * H + u) * W + s
            const float* src;     // x's part and channel of the group, at voxel 0
            int stride;        // that part's channels per voxel
            bool valid;
        };
        FastDivmod byQ, byP, byZ;
        int lane, r0;
        Group group[SETS];
        float4 v[V][SETS];
        __device__ LoaderA(const AlignedBackwardWeight& p, int first)
            : byQ(p.g.Q), byP(p.g.P), byZ(p.g.Z), lane(threadIdx.x % 32), r0(threadIdx.x / 32) {
            const Geo& g = p.g;
#pragma unroll
            for (int j = 0; j < SETS; j++) {
                int m = first + VEC * (lane + 32 * j);
                Group& gr = group[j];
                gr.valid = m < p.M;
                int c = gr.valid ? m % g.C : 0, tap = gr.valid ? m / g.C : 0;
                gr.s = tap % g.kw;
                gr.u = (tap / g.kw) % g.kh;
                gr.t = tap / (g.kw * g.kh);
                gr.offset = (gr.t * g.H + gr.u) * g.W + gr.s;
                // a group of 4 channels never straddles the pair's parts (C and c1 are multiples of 4)
                gr.src = c < p.c1 ? p.xa + c : p.xb + (c - p.c1);
                gr.stride = c < p.c1 ? p.c1 : g.C - p.c1;
            }
        }
        __device__ void load(const AlignedBackwardWeight& p, int k0) {
            const Geo& g = p.g;
#pragma unroll
            for (int i = 0; i < V; i++) {
                int vox = k0 + r0 + i * ROWS_STEP, x, y, z;
                int rest = byQ.divmod(vox, x);
                rest = byP.divmod(rest, y);
                int n = byZ.divmod(rest, z);
                int cz = z * g.sd - g.pd, cy = y * g.sh - g.ph, cx = x * g.sw - g.pw;  // the window's corner
                int corner = ((n * g.D + cz) * g.H + cy) * g.W + cx;
                bool row = vox < p.kk_end;
#pragma unroll
                for (int j = 0; j < SETS; j++) {
                    const Group& gr = group[j];
                    // one unsigned compare per axis: a negative coordinate wraps to a huge one
                    bool inside = row && gr.valid && (unsigned)(cz + gr.t) < (unsigned)g.D && (unsigned)(cy + gr.u) < (unsigned)g.H
                                  && (unsigned)(cx + gr.s) < (unsigned)g.W;
                    v[i][j] = inside ? load4(gr.src + (corner + gr.offset) * gr.stride) : zero4();
                }
            }
        }
        template <int ROUND>
        __device__ void store(float (*tile)[EXTENT + gemm::PAD]) const {
#pragma unroll
            for (int i = 0; i < V; i++)
#pragma unroll
                for (int j = 0; j < SETS; j++) store_along<ROUND>(tile, r0 + i * ROWS_STEP, VEC * (lane + 32 * j), v[i][j]);
        }
    };

    // B: thread = a k-tile row (voxel) and a 4-wide group of output channels
    template <int EXTENT>
    struct LoaderB : ColumnGroups<EXTENT> {
        __device__ LoaderB(const AlignedBackwardWeight& p, int first) : ColumnGroups<EXTENT>(first, p.N) {}
        __device__ void load(const AlignedBackwardWeight& p, int k0) {
            int vox = k0 + this->r;
            this->take(p.dy + vox * p.g.K + this->col, this->active && vox < p.kk_end);
        }
    };
};

// The loaders of an aligned problem, as gemm::tile takes them.
template <int BM, int BN, class P>
struct AlignedLoaders {
    using A = typename P::template LoaderA<BM>;
    using B = typename P::template LoaderB<BN>;
};
}  // namespace conv
