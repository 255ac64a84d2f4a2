// 3D convolution and transposed convolution, forward and both backward passes, as implicit GEMMs on the main
// loop of gemm_tile.cuh. Each pass is a "problem": how its A, B and C map onto the channels-last tensors
// (CUTLASS's implicit-GEMM definitions of the three convolution passes):
//
//   pass                      M (rows)              N (columns)     reduction kk
//   conv forward              output voxels         K               taps x C
//   conv backward data        input voxels (phase)  C               taps of the phase x K
//   conv backward weight      taps x C              K               output voxels (split)
//   transposed forward        input voxels          taps x K        C
//   transposed backward data  input voxels          C               taps x K
//   transposed backward weight C                    taps x K        input voxels (split)
//
// Layouts: conv weight [K, kd, kh, kw, C]; transposed weight [C, sd, sh, sw, K] (kernel = stride).
// Backward data of a strided convolution runs one grid layer per stride phase (blockIdx.z): the input voxels
// d = d' * sd + phase reach only the taps t = phase + pad (mod sd), so no zero taps are multiplied.
// Weight gradients split the voxels into blockIdx.z slices, each written to its own partial sum and added in
// slice order by reduce_slices: deterministic, no atomics.
#include "common.cuh"
#include "conv_geometry.cuh"
#include "conv_iterators.cuh"
#include "gemm_tile.cuh"

namespace conv {
// The corner of output voxel r's window in the input: r * stride - padding.
__device__ inline Row window_corner(Row r, const Geo& g) {
    r.z = r.z * g.sd - g.pd;
    r.y = r.y * g.sh - g.ph;
    r.x = r.x * g.sw - g.pw;
    return r;
}

// x at (window corner r + tap k, channel k.ch), 0 in the padding: the implicit im2col element that the
// forward pass and the weight gradient both read.
template <class Tap>
__device__ inline float window_element(const ChannelPair<const float>& x, const Row& r, const Tap& k, const Geo& g) {
    int z = r.z + k.t, yy = r.y + k.u, xx = r.x + k.s;
    if (!r.valid || !k.valid || !inside(z, yy, xx, g.D, g.H, g.W)) return 0.f;
    return x.at(at(r.n, z, yy, xx, g.D, g.H, g.W, 1), k.ch);
}

// ---- convolution forward: y = conv(x, w) + bias. A = x at (output voxel, tap, c), B[kk][k] = w[k][kk].
struct Forward : Problem {
    ChannelPair<const float> x;
    const float *w, *bias;
    float* y;
    static constexpr bool A_K_CONTIGUOUS = true, B_K_CONTIGUOUS = true;
    __device__ Forward(ChannelPair<const float> x_, const float* w_, const float* b_, float* y_, Geo g_) : x(x_), w(w_), bias(b_), y(y_) {
        g = g_;
        M = g.N * g.Z * g.P * g.Q;
        N = g.K;
        kk_begin = 0;
        kk_end = g.kd * g.kh * g.kw * g.C;
    }
    __device__ Row row_a(int m) const { return window_corner(voxel(m, M, g.Z, g.P, g.Q), g); }
    __device__ Key key_a(int kk) const { return tap_channel<Key>(kk, kk < kk_end, g.kh, g.kw, g.C); }
    __device__ float a(const Row& r, const Key& k) const { return window_element(x, r, k, g); }
    __device__ Key key_b(int kk) const { return Key{0, 0, 0, kk, kk < kk_end}; }
    __device__ Col col_b(int n) const { return Col{0, 0, 0, n, n < N}; }
    __device__ float b(const Key& k, const Col& c) const {
        return k.valid && c.valid ? w[(long long)c.ch * kk_end + k.ch] : 0.f;
    }
    __device__ Out out_row(int m) const { return Out{(long long)m * N, Row{}, m < M}; }
    __device__ void store(const Out& o, int n, float v) const { y[o.base + n] = v + (bias ? bias[n] : 0.f); }
};

// ---- convolution backward data: dx[v][c] = sum over taps reaching v and k of dy[.][k] w[k][tap][c].
// Grid layer blockIdx.z is a stride phase (pd_, ph_, pw_): voxels d = d' sd + pd_, taps t = t0 + i sd.
struct BackwardData : Problem, StridePhase {
    const float *dy, *w;
    ChannelPair<float> dx;
    static constexpr bool A_K_CONTIGUOUS = true, B_K_CONTIGUOUS = false;
    __device__ BackwardData(const float* dy_, const float* w_, ChannelPair<float> dx_, Geo g_, int phase)
        : StridePhase(g_, phase), dy(dy_), w(w_), dx(dx_) {
        g = g_;
        M = g.N * Dp * Hp * Wp;
        N = g.C;
        kk_begin = 0;
        kk_end = nt * nu * ns * g.K;
    }
    // the input voxel (d, h, w) of row m, in this phase
    __device__ Row input_voxel(int m) const {
        Row r = voxel(m, M, Dp, Hp, Wp);
        r.z = r.z * g.sd + phd;
        r.y = r.y * g.sh + phh;
        r.x = r.x * g.sw + phw;
        return r;
    }
    __device__ Row row_a(int m) const {
        Row r = input_voxel(m);
        r.z += g.pd;  // output index of tap t: (d + pad - t) / stride, exact in this phase
        r.y += g.ph;
        r.x += g.pw;
        return r;
    }
    __device__ Key key_a(int kk) const {
        Key k = tap_channel<Key>(kk, kk < kk_end, nu, ns, g.K);
        k.t = t0 + k.t * g.sd;
        k.u = u0 + k.u * g.sh;
        k.s = s0 + k.s * g.sw;
        return k;
    }
    __device__ float a(const Row& r, const Key& k) const {
        int z = r.z - k.t, yy = r.y - k.u, xx = r.x - k.s;
        if (!r.valid || !k.valid || z < 0 || yy < 0 || xx < 0) return 0.f;
        z /= g.sd;
        yy /= g.sh;
        xx /= g.sw;
        if (z >= g.Z || yy >= g.P || xx >= g.Q) return 0.f;
        return dy[at(r.n, z, yy, xx, g.Z, g.P, g.Q, g.K) + k.ch];
    }
    __device__ Key key_b(int kk) const { return key_a(kk); }
    __device__ Col col_b(int n) const { return Col{0, 0, 0, n, n < N}; }
    __device__ float b(const Key& k, const Col& c) const {
        if (!k.valid || !c.valid) return 0.f;
        return w[((((long long)k.ch * g.kd + k.t) * g.kh + k.u) * g.kw + k.s) * g.C + c.ch];
    }
    __device__ Out out_row(int m) const {
        Row r = input_voxel(m);
        return Out{at(r.n, r.z, r.y, r.x, g.D, g.H, g.W, 1), r, r.valid};
    }
    __device__ void store(const Out& o, int n, float v) const { dx.at(o.base, n) = v; }
};

// ---- convolution backward weight, transposed so that the long side is M: dw[k][tap][c] = sum over output
// voxels v of x[v shifted by tap][c] dy[v][k]. M = taps x C, N = K, reduction over this block's voxel slice.
struct BackwardWeight : Problem {
    ChannelPair<const float> x;
    const float* dy;
    float* partial;  // [slices][K][taps x C]
    int slice;
    static constexpr bool A_K_CONTIGUOUS = false, B_K_CONTIGUOUS = false;
    using RowA = Col;  // a (tap, c)
    using KeyA = Row;  // a voxel's window corner
    __device__ BackwardWeight(ChannelPair<const float> x_, const float* dy_, float* p_, Geo g_, int slice_, int slices) : x(x_), dy(dy_), partial(p_), slice(slice_) {
        g = g_;
        M = g.kd * g.kh * g.kw * g.C;
        N = g.K;
        long long voxels = (long long)g.N * g.Z * g.P * g.Q;
        kk_begin = slice_begin(voxels, slice, slices);
        kk_end = slice_begin(voxels, slice + 1, slices);
    }
    __device__ Col row_a(int m) const { return tap_channel<Col>(m, m < M, g.kh, g.kw, g.C); }
    __device__ Row key_a(int v) const { return window_corner(voxel(v, kk_end, g.Z, g.P, g.Q), g); }
    __device__ float a(const Col& c, const Row& r) const { return window_element(x, r, c, g); }
    __device__ Key key_b(int v) const { return Key{0, 0, 0, v, v < kk_end}; }
    __device__ Col col_b(int n) const { return Col{0, 0, 0, n, n < N}; }
    __device__ float b(const Key& k, const Col& c) const {
        return k.valid && c.valid ? dy[(long long)k.ch * g.K + c.ch] : 0.f;
    }
    __device__ Out out_row(int m) const { return Out{(long long)slice * M * N + m, Row{}, m < M}; }
    __device__ void store(const Out& o, int n, float v) const { partial[o.base + (long long)n * M] = v; }
};

// ---- transposed convolution (kernel = stride) forward: y[v * stride + tap][k] = bias[k] + sum_c x[v][c] w[c][tap][k].
// Geo: input x (N, D, H, W, C), output (Z = D sd, P, Q, K).
struct TransposedForward : Problem {
    const float *x, *w, *bias;
    float* y;
    int taps;
    static constexpr bool A_K_CONTIGUOUS = true, B_K_CONTIGUOUS = false;
    using RowA = Col;
    using KeyA = Col;
    using KeyB = Col;
    __device__ TransposedForward(const float* x_, const float* w_, const float* b_, float* y_, Geo g_) : x(x_), w(w_), bias(b_), y(y_) {
        g = g_;
        taps = g.sd * g.sh * g.sw;
        M = g.N * g.D * g.H * g.W;
        N = taps * g.K;
        kk_begin = 0;
        kk_end = g.C;
    }
    __device__ Col row_a(int m) const { return Col{0, 0, 0, m, m < M}; }
    __device__ Col key_a(int c) const { return Col{0, 0, 0, c, c < kk_end}; }
    __device__ float a(const Col& r, const Col& k) const { return r.valid && k.valid ? x[(long long)r.ch * g.C + k.ch] : 0.f; }
    __device__ Col key_b(int c) const { return key_a(c); }
    __device__ Col col_b(int n) const { return Col{0, 0, 0, n, n < N}; }
    __device__ float b(const Col& k, const Col& c) const { return k.valid && c.valid ? w[(long long)k.ch * N + c.ch] : 0.f; }
    __device__ Out out_row(int m) const {
        Row r = voxel(m, M, g.D, g.H, g.W);
        return Out{0, r, r.valid};
    }
    __device__ void store(const Out& o, int n, float v) const {
        Col c = tap_channel<Col>(n, true, g.sh, g.sw, g.K);
        long long i = at(o.v.n, o.v.z * g.sd + c.t, o.v.y * g.sh + c.u, o.v.x * g.sw + c.s, g.Z, g.P, g.Q, g.K) + c.ch;
        y[i] = v + (bias ? bias[c.ch] : 0.f);
    }
};

// ---- transposed backward data: dx[v][c] = sum over (tap, k) of dy[v * stride + tap][k] w[c][tap][k].
struct TransposedBackwardData : Problem {
    const float *dy, *w;
    float* dx;
    static constexpr bool A_K_CONTIGUOUS = true, B_K_CONTIGUOUS = true;
    __device__ TransposedBackwardData(const float* dy_, const float* w_, float* dx_, Geo g_) : dy(dy_), w(w_), dx(dx_) {
        g = g_;
        M = g.N * g.D * g.H * g.W;
        N = g.C;
        kk_begin = 0;
        kk_end = g.sd * g.sh * g.sw * g.K;
    }
    __device__ Row row_a(int m) const { return voxel(m, M, g.D, g.H, g.W); }
    __device__ Key key_a(int kk) const { return tap_channel<Key>(kk, kk < kk_end, g.sh, g.sw, g.K); }
    __device__ float a(const Row& r, const Key& k) const {
        if (!r.valid || !k.valid) return 0.f;
        return dy[at(r.n, r.z * g.sd + k.t, r.y * g.sh + k.u, r.x * g.sw + k.s, g.Z, g.P, g.Q, g.K) + k.ch];
    }
    __device__ Key key_b(int kk) const { return Key{0, 0, 0, kk, kk < kk_end}; }
    __device__ Col col_b(int n) const { return Col{0, 0, 0, n, n < N}; }
    __device__ float b(const Key& k, const Col& c) const { return k.valid && c.valid ? w[(long long)c.ch * kk_end + k.ch] : 0.f; }
    __device__ Out out_row(int m) const { return Out{(long long)m * N, Row{}, m < M}; }
    __device__ void store(const Out& o, int n, float v) const { dx[o.base + n] = v; }
};

// ---- transposed backward weight: dw[c][tap][k] = sum over input voxels v of x[v][c] dy[v * stride + tap][k].
// M = C, N = taps x K, reduction over this block's voxel slice.
struct TransposedBackwardWeight : Problem {
    const float *x, *dy;
    float* partial;  // [slices][C][taps x K]
    int slice;
    static constexpr bool A_K_CONTIGUOUS = false, B_K_CONTIGUOUS = false;
    using RowA = Col;
    using KeyB = Row;
    __device__ TransposedBackwardWeight(const float* x_, const float* dy_, float* p_, Geo g_, int slice_, int slices) : x(x_), dy(dy_), partial(p_), slice(slice_) {
        g = g_;
        M = g.C;
        N = g.sd * g.sh * g.sw * g.K;
        long long voxels = (long long)g.N * g.D * g.H * g.W;
        kk_begin = slice_begin(voxels, slice, slices);
        kk_end = slice_begin(voxels, slice + 1, slices);
    }
    __device__ Col row_a(int m) const { return Col{0, 0, 0, m, m < M}; }
    __device__ Key key_a(int v) const { return Key{0, 0, 0, v, v < kk_end}; }
    __device__ float a(const Col& r, const Key& k) const { return r.valid && k.valid ? x[(long long)k.ch * g.C + r.ch] : 0.f; }
    __device__ Row key_b(int v) const { return voxel(v, kk_end, g.D, g.H, g.W); }
    __device__ Col col_b(int n) const { return tap_channel<Col>(n, n < N, g.sh, g.sw, g.K); }
    __device__ float b(const Row& r, const Col& c) const {
        if (!r.valid || !c.valid) return 0.f;
        return dy[at(r.n, r.z * g.sd + c.t, r.y * g.sh + c.u, r.x * g.sw + c.s, g.Z, g.P, g.Q, g.K) + c.ch];
    }
    __device__ Out out_row(int m) const { return Out{((long long)slice * M + m) * N, Row{}, m < M}; }
    __device__ void store(const Out& o, int n, float v) const { partial[o.base + n] = v; }
};
}  // namespace conv

// Entry points: one per pass and tile width (BN = 64, or 32 for outputs of at most 32 columns), BM = 128,
// 256 threads; precision: 0 multiplies in fp32 on the CUDA cores, 1 in TF32 and 2 in BF16 on the tensor cores
// (mma.cuh).
// The convolution's input (forward, weight gradient) and input gradient (backward data) may be a channel
// pair (x, x2, c1): channels below c1 from x, the rest from x2. Grid: x = row tiles, y = column tiles,
// z = stride phases (backward data) or voxel slices (weight gradients), 1 otherwise.
// Two blocks per SM: caps registers at 128 per thread (the forward and backward-data tiles wanted up to 168,
// one block per SM); no spills on sm_90, 4 bytes stored / 32 loaded in backward data on sm_80 (ptxas warns).
// Chosen without a GPU to measure: compare with the bound removed on the next GPU run.
#define GEMM_BOUNDS __launch_bounds__(gemm::THREADS, 2)

// The kernels' `precision` argument: how the multiply step computes (the host's CudaConvolution sends it).
enum Precision { PRECISION_FP32 = 0, PRECISION_TF32 = 1, PRECISION_BF16 = 2 };

// One block tile of problem P with BM x BN tiles, the loaders of Loaders and the multiply step `precision` names.
template <class P, int BM, int BN, class Loaders>
__device__ void run_tile(const P& p, int precision) {
    __shared__ __align__(16) gemm::SharedTiles<BM, BN> s;
    int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
    if (precision == PRECISION_BF16) gemm::tile<BM, BN, gemm::Bf16Compute<BM, BN>, P, Loaders>(p, m0, n0, s);
    else if (precision == PRECISION_TF32) gemm::tile<BM, BN, gemm::Tf32Compute<BM, BN>, P, Loaders>(p, m0, n0, s);
    else gemm::tile<BM, BN, gemm::Fp32Compute<BM, BN>, P, Loaders>(p, m0, n0, s);
}

template <class P, int BN>
__device__ void run(const P& p, int precision) {
    run_tile<P, 128, BN, gemm::ElementLoaders<128, BN, P>>(p, precision);
}

// Aligned tiles: 128 x 64, or 256 x 32 for outputs of at most 32 columns (the 3D U-Net's widest layers), so
// that a warp still has 16 tensor-core multiplies per k-tile to spread the loaders' fixed work over.
template <int BN>
struct AlignedRows {
    static constexpr int value = BN == 32 ? 256 : 128;
};

template <class P, int BN>
__device__ void run_aligned(const P& p, int precision) {
    constexpr int BM = AlignedRows<BN>::value;
    run_tile<P, BM, BN, conv::AlignedLoaders<BM, BN, P>>(p, precision);
}

extern "C" __global__ void GEMM_BOUNDS conv3d_forward_64(const float* x, const float* x2, int c1, const float* w, const float* bias, float* y, Geo g, int precision) {
    run<conv::Forward, 64>(conv::Forward({x, x2, c1, g.C}, w, bias, y, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_forward_32(const float* x, const float* x2, int c1, const float* w, const float* bias, float* y, Geo g, int precision) {
    run<conv::Forward, 32>(conv::Forward({x, x2, c1, g.C}, w, bias, y, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_data_64(const float* dy, const float* w, float* dx, float* dx2, int c1, Geo g, int precision) {
    run<conv::BackwardData, 64>(conv::BackwardData(dy, w, {dx, dx2, c1, g.C}, g, blockIdx.z), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_data_32(const float* dy, const float* w, float* dx, float* dx2, int c1, Geo g, int precision) {
    run<conv::BackwardData, 32>(conv::BackwardData(dy, w, {dx, dx2, c1, g.C}, g, blockIdx.z), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_weight_64(const float* x, const float* x2, int c1, const float* dy, float* partial, Geo g, int slices, int precision) {
    run<conv::BackwardWeight, 64>(conv::BackwardWeight({x, x2, c1, g.C}, dy, partial, g, blockIdx.z, slices), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_weight_32(const float* x, const float* x2, int c1, const float* dy, float* partial, Geo g, int slices, int precision) {
    run<conv::BackwardWeight, 32>(conv::BackwardWeight({x, x2, c1, g.C}, dy, partial, g, blockIdx.z, slices), precision);
}
// The channel-aligned passes (conv_iterators.cuh; the host checks their conditions): vectorised loaders, same sums.
extern "C" __global__ void GEMM_BOUNDS conv3d_forward_aligned_64(const float* x, const float* x2, int c1, const float* w, const float* bias, float* y, Geo g, int precision) {
    run_aligned<conv::AlignedForward, 64>(conv::AlignedForward(x, x2, c1, w, bias, y, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_forward_aligned_32(const float* x, const float* x2, int c1, const float* w, const float* bias, float* y, Geo g, int precision) {
    run_aligned<conv::AlignedForward, 32>(conv::AlignedForward(x, x2, c1, w, bias, y, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_data_aligned_64(const float* dy, const float* w, float* dx, float* dx2, int c1, Geo g, int precision) {
    run_aligned<conv::AlignedBackwardData, 64>(conv::AlignedBackwardData(dy, w, {dx, dx2, c1, g.C}, g, blockIdx.z), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_data_aligned_32(const float* dy, const float* w, float* dx, float* dx2, int c1, Geo g, int precision) {
    run_aligned<conv::AlignedBackwardData, 32>(conv::AlignedBackwardData(dy, w, {dx, dx2, c1, g.C}, g, blockIdx.z), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_weight_aligned_64(const float* x, const float* x2, int c1, const float* dy, float* partial, Geo g, int slices, int precision) {
    run_aligned<conv::AlignedBackwardWeight, 64>(conv::AlignedBackwardWeight(x, x2, c1, dy, partial, g, blockIdx.z, slices), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv3d_backward_weight_aligned_32(const float* x, const float* x2, int c1, const float* dy, float* partial, Geo g, int slices, int precision) {
    run_aligned<conv::AlignedBackwardWeight, 32>(conv::AlignedBackwardWeight(x, x2, c1, dy, partial, g, blockIdx.z, slices), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv_transpose3d_forward_64(const float* x, const float* w, const float* bias, float* y, Geo g, int precision) {
    run<conv::TransposedForward, 64>(conv::TransposedForward(x, w, bias, y, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv_transpose3d_forward_32(const float* x, const float* w, const float* bias, float* y, Geo g, int precision) {
    run<conv::TransposedForward, 32>(conv::TransposedForward(x, w, bias, y, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv_transpose3d_backward_data_64(const float* dy, const float* w, float* dx, Geo g, int precision) {
    run<conv::TransposedBackwardData, 64>(conv::TransposedBackwardData(dy, w, dx, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv_transpose3d_backward_data_32(const float* dy, const float* w, float* dx, Geo g, int precision) {
    run<conv::TransposedBackwardData, 32>(conv::TransposedBackwardData(dy, w, dx, g), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv_transpose3d_backward_weight_64(const float* x, const float* dy, float* partial, Geo g, int slices, int precision) {
    run<conv::TransposedBackwardWeight, 64>(conv::TransposedBackwardWeight(x, dy, partial, g, blockIdx.z, slices), precision);
}
extern "C" __global__ void GEMM_BOUNDS conv_transpose3d_backward_weight_32(const float* x, const float* dy, float* partial, Geo g, int slices, int precision) {
    run<conv::TransposedBackwardWeight, 32>(conv::TransposedBackwardWeight(x, dy, partial, g, blockIdx.z, slices), precision);
}
