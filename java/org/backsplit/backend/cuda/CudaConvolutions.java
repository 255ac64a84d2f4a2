package org.backsplit.backend.cuda;

import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.Precision;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * The CUDA backend's convolutions and transposed convolutions, every pass an implicit GEMM of
 * kernels/conv_gemm.cu: the launch shapes (tiles, stride phases, weight-gradient slices), the channel pairs
 * of the skip concatenation, and the precision (fp32 CUDA cores or TF32 tensor cores).
 */
final class CudaConvolutions {
    private final CudaBackend gpu;
    private Precision precision = Precision.FP32;

    CudaConvolutions(CudaBackend gpu) {
        this.gpu = gpu;
    }

    /** The Geo struct of conv_geometry.cuh: input N,D,H,W,C; output Z,P,Q,K; kernel, stride, padding. */
    private static int[] geo(Shape x, Shape y, int[] k, int[] s, int[] p) {
        return new int[] {x.n(), x.d(), x.h(), x.w(), x.c(), y.d(), y.h(), y.w(), y.c(), k[0], k[1], k[2], s[0], s[1], s[2], p[0], p[1], p[2]};
    }

    private static final int GEMM_ROWS = 128, GEMM_THREADS = 256;
    /** Weight gradients: enough voxel slices to give the GPU about this many blocks, each slice at least MIN_SLICE voxels. */
    private static final int WGRAD_BLOCKS = 528, MIN_SLICE = 1024, MAX_SLICES = 256;

    /**
     * Launches kernel `name`_64 or _32 (the tile's column count: 32 when the GEMM has at most 32 columns) over
     * rows x columns, with `layers` grid layers (phases or slices).
     */
    private void gemm(String name, long rows, long columns, int layers, Object... args) {
        int width = columns <= 32 ? 32 : 64;
        long gridX = (rows + GEMM_ROWS - 1) / GEMM_ROWS, gridY = (columns + width - 1) / width;
        if (gridX == 0 || gridY == 0) return;
        if (gridX > Integer.MAX_VALUE || gridY > 65535) throw new IllegalArgumentException(name + ": GEMM of " + rows + " x " + columns + " is too large");
        gpu.launch3(name + "_" + width, (int) gridX, (int) gridY, layers, GEMM_THREADS, 0, args(args, precision == Precision.TF32 ? 1 : 0));
    }

    void usePrecision(Precision p) {
        precision = p;
    }

    Precision precision() {
        return precision;
    }

    /** Slices for a weight gradient of rows x columns summed over `voxels`: a function of the sizes only. */
    private static int wgradSlices(long rows, long columns, long voxels) {
        long tiles = ((rows + GEMM_ROWS - 1) / GEMM_ROWS) * ((columns + 63) / 64);
        long wanted = (WGRAD_BLOCKS + tiles - 1) / tiles;
        return (int) Math.max(1, Math.min(Math.min(wanted, MAX_SLICES), voxels / MIN_SLICE));
    }

    /** A convolution input as the kernels take it: (first part, second part or null, channels of the first). */
    private static Object[] channelPair(Tensor x) {
        if (x instanceof CudaChannelPair pair) return new Object[] {pair.first(), pair.second(), pair.split()};
        return new Object[] {CudaBackend.c(x), new KernelArgs.Ptr(0), x.shape().c()};
    }

    private static Object[] args(Object[] first, Object... rest) {
        Object[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        Shape ys = g.outShape(x.shape(), weight.shape().dim(0));
        CudaTensor y = gpu.make(ys);
        gemm("conv3d_fwd_gemm", (long) ys.n() * ys.spatial(), ys.c(), 1,
                args(channelPair(x), weight, bias, y, geo(x.shape(), ys, g.kernel(), g.stride(), g.padding())));
        return y;
    }

    Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape) {
        CudaTensor dx = gpu.make(xShape);
        backwardData(dy, weight, g, xShape, new Object[] {dx, new KernelArgs.Ptr(0), xShape.c()});
        return dx;
    }

    /** When x is a channel pair (a skip concatenation), its gradient is written as a pair too: never joined. */
    Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Tensor x) {
        if (!(x instanceof CudaChannelPair pair)) return conv3dBackwardData(dy, weight, g, x.shape());
        CudaTensor first = gpu.make(pair.first().shape()), second = gpu.make(pair.second().shape());
        backwardData(dy, weight, g, x.shape(), new Object[] {first, second, pair.split()});
        return new CudaChannelPair(gpu, first, second, true);
    }

    private void backwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape, Object[] dx) {
        int[] s = g.stride();
        // one grid layer per stride phase; the largest phase (phase 0) sets the rows
        long rows = (long) xShape.n() * ceilDiv(xShape.d(), s[0]) * ceilDiv(xShape.h(), s[1]) * ceilDiv(xShape.w(), s[2]);
        Object[] front = {dy, weight};
        gemm("conv3d_dgrad_gemm", rows, xShape.c(), s[0] * s[1] * s[2], args(args(front, dx), geo(xShape, dy.shape(), g.kernel(), s, g.padding())));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        int[] k = g.kernel();
        Shape ws = new Shape(dy.shape().c(), k[0], k[1], k[2], x.shape().c());
        long voxels = (long) dy.shape().n() * dy.shape().spatial();
        long rows = (long) k[0] * k[1] * k[2] * x.shape().c(), columns = dy.shape().c();
        int slices = wgradSlices(rows, columns, voxels);
        int[] geo = geo(x.shape(), dy.shape(), k, g.stride(), g.padding());
        Object[] input = channelPair(x);
        CudaTensor dw = sumOfSlices(ws, slices, partial -> gemm("conv3d_wgrad_gemm", rows, columns, slices, args(input, dy, partial, geo, slices)));
        return new WeightGrads(dw, withBias ? biasGrad(dy) : null);
    }

    /** Runs `kernel` into [slices][out] partial sums and adds them in slice order (reduce_slices): deterministic. */
    private CudaTensor sumOfSlices(Shape out, int slices, java.util.function.Consumer<CudaTensor> kernel) {
        long count = out.numel();
        CudaTensor result = gpu.make(out);
        try (CudaTensor partial = gpu.make(new Shape((int) (count * slices)))) {
            kernel.accept(partial);
            gpu.elementwise("reduce_slices", count, partial, result, count, slices);
        }
        return result;
    }

    private CudaTensor biasGrad(Tensor dy) {
        int k = dy.shape().c();
        long rows = dy.shape().numel() / k;
        int slices = (int) Math.max(1, Math.min(256, Math.min(rows / 512, (1L << 24) / Math.max(1, k))));
        return sumOfSlices(new Shape(k), slices, partial ->
                gpu.elementwise("column_sums", (long) k * slices, dy, rows, k, slices, partial));
    }

    private static final int[] NO_PAD = {0, 0, 0};

    Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride) {
        Shape xs = x.shape();
        Shape ys = Shape.ndhwc(xs.n(), xs.d() * stride[0], xs.h() * stride[1], xs.w() * stride[2], weight.shape().dim(4));
        CudaTensor y = gpu.make(ys);
        long taps = (long) stride[0] * stride[1] * stride[2];
        gemm("convT_fwd_gemm", (long) xs.n() * xs.spatial(), taps * ys.c(), 1, x, weight, bias, y, geo(xs, ys, stride, stride, NO_PAD));
        return y;
    }

    Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] stride) {
        Shape ys = dy.shape();
        Shape xs = Shape.ndhwc(ys.n(), ys.d() / stride[0], ys.h() / stride[1], ys.w() / stride[2], weight.shape().dim(0));
        CudaTensor dx = gpu.make(xs);
        gemm("convT_dgrad_gemm", (long) xs.n() * xs.spatial(), xs.c(), 1, dy, weight, dx, geo(xs, ys, stride, stride, NO_PAD));
        return dx;
    }

    WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] stride, boolean withBias) {
        Shape ws = new Shape(x.shape().c(), stride[0], stride[1], stride[2], dy.shape().c());
        long voxels = (long) x.shape().n() * x.shape().spatial();
        long rows = x.shape().c(), columns = (long) stride[0] * stride[1] * stride[2] * dy.shape().c();
        int slices = wgradSlices(rows, columns, voxels);
        int[] geo = geo(x.shape(), dy.shape(), stride, stride, NO_PAD);
        CudaTensor dw = sumOfSlices(ws, slices, partial -> gemm("convT_wgrad_gemm", rows, columns, slices, x, dy, partial, geo, slices));
        return new WeightGrads(dw, withBias ? biasGrad(dy) : null);
    }
}
