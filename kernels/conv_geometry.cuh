// The geometry of one convolution as the Java side packs it (backend/cuda/Geo.java): input x [N, D, H, W, C],
// output y [N, Z, P, Q, K] (channels last), kernel kd x kh x kw, stride, padding. For the transposed
// convolution (kernel = stride, no padding) the input is the small tensor and the output the large one.
#pragma once
#include "common.cuh"

struct Geo {
    int N, D, H, W, C;   // input
    int Z, P, Q, K;      // output
    int kd, kh, kw, sd, sh, sw, pd, ph, pw;
};

// Index types and helpers shared by the convolution problems (convolution.cu) and their aligned loaders
// (conv_iterators.cuh).
namespace conv {
struct Row {  // a voxel: sample and coordinates (their meaning depends on the problem), or invalid
    int n, z, y, x;
    bool valid;
};
struct Key {  // a reduction index: a tap and a channel, or a voxel index
    int t, u, s, ch;
    bool valid;
};
struct Col {  // a column: an index, or a tap and a channel
    int t, u, s, ch;
    bool valid;
};
struct Out {  // where row m of C goes: a voxel's offset (and coordinates), or invalid
    long long base;
    Row v;
    bool valid;
};

// voxel m of an [N, Z, P, Q] grid, invalid (voxel 0) from M on
__device__ inline Row voxel(long long m, long long M, int Z, int P, int Q) {
    Voxel v = voxel_at(m < M ? m : 0, Z, P, Q);
    return Row{v.n, v.z, v.y, v.x, m < M};
}

// i = ((t * kh + u) * kw + s) * channels + ch
template <class T>
__device__ inline T tap_channel(long long i, bool valid, int kh, int kw, int channels) {
    T k;
    k.valid = valid;
    if (!valid) i = 0;
    k.ch = (int)(i % channels);
    int tap = (int)(i / channels);
    k.s = tap % kw;
    k.u = (tap / kw) % kh;
    k.t = tap / (kw * kh);
    return k;
}

__device__ inline long long at(int n, int z, int y, int x, int D, int H, int W, int C) {
    return ((((long long)n * D + z) * H + y) * W + x) * C;
}

__device__ inline bool inside(int z, int y, int x, int D, int H, int W) {
    return z >= 0 && z < D && y >= 0 && y < H && x >= 0 && x < W;
}

// A channels-last tensor of C channels stored as two (the U-Net's skip concatenation, never materialised):
// channels [0, c1) in `a` (c1 per voxel), [c1, C) in `b`. One tensor: b unused, c1 = C.
template <class T>
struct ChannelPair {
    T* a;
    T* b;
    int c1, C;
    __device__ T& at(long long voxel, int ch) const {
        return ch < c1 ? a[voxel * c1 + ch] : b[voxel * (C - c1) + (ch - c1)];
    }
};

// Slice `slice` of `count` split into `slices`: [count * slice / slices, count * (slice + 1) / slices).
__device__ inline int slice_begin(long long count, int slice, int slices) { return (int)(count * slice / slices); }

// What every problem has: the geometry, the GEMM's extent and this block's slice of the reduction, and
// the usual index types (a problem redefines those that differ).
struct Problem {
    Geo g;
    int M, N, kk_begin, kk_end;
    using RowA = Row;
    using KeyA = Key;
    using KeyB = Key;
    using ColB = Col;
    using OutRow = Out;
};
// Backward data by stride phase (grid layer blockIdx.z = phase): the input voxels d = d' sd + phd of a phase are
// reached only by the taps t = t0 + i sd (i < nt), from dy voxel d' + offd - i, offd = (phd + pd - t0) / sd exact.
// Per axis: the phase, its voxels, its first tap, its tap count, and the dy offset.
struct StridePhase {
    int phd, phh, phw;
    int Dp, Hp, Wp;
    int t0, u0, s0;
    int nt, nu, ns;
    int offd, offh, offw;
    __device__ static int count(int extent, int first, int stride) {
        return extent > first ? (extent - first + stride - 1) / stride : 0;
    }
    __device__ StridePhase(const Geo& g, int phase) {
        phw = phase % g.sw;
        phh = (phase / g.sw) % g.sh;
        phd = phase / (g.sw * g.sh);
        Dp = count(g.D, phd, g.sd);
        Hp = count(g.H, phh, g.sh);
        Wp = count(g.W, phw, g.sw);
        t0 = (phd + g.pd) % g.sd;
        u0 = (phh + g.ph) % g.sh;
        s0 = (phw + g.pw) % g.sw;
        nt = count(g.kd, t0, g.sd);
        nu = count(g.kh, u0, g.sh);
        ns = count(g.kw, s0, g.sw);
        offd = (phd + g.pd - t0) / g.sd;
        offh = (phh + g.ph - u0) / g.sh;
        offw = (phw + g.pw - s0) / g.sw;
    }
};
}  // namespace conv
