package org.backsplit.backend.cuda;

import java.util.function.Consumer;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.Precision;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Convolution and transposed convolution on the GPU (kernels/convolution.cu), every pass an implicit GEMM: the launch
 * shapes (tiles, stride phases, weight-gradient slices), the channel pairs of the skip concatenation, and the precision
 * (fp32 CUDA cores or TF32 tensor cores). Each pass has a kernel per tile width: _64, or _32 when the GEMM has at most
 * 32 columns.
 */
final class CudaConvolution {
    private static final int GEMM_ROWS = 128, GEMM_THREADS = 256, BK = 16;
    /** Rows of the aligned kernels' 32-column tile (256 x 32; conv_iterators.cuh via convolution.cu). */
    private static final int ALIGNED_NARROW_ROWS = 256;
    /**
     * Weight gradients: enough voxel slices to give the GPU about this many blocks, each slice at least MIN_SLICE
     * voxels.
     */
    private static final int WGRAD_BLOCKS = 528, MIN_SLICE = 1024, MAX_SLICES = 256;

    private static final int[] NO_PAD = {0, 0, 0};

    private final CudaRuntime rt;
    private final CudaKernels k;
    private Precision precision = Precision.FP32;

    CudaConvolution(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    void usePrecision(Precision p) {
        precision = p;
    }

    Precision precision() {
        return precision;
    }

    /** The kernels' precision argument (convolution.cu's Precision): 0 fp32, 1 TF32, 2 BF16. */
    private int precisionCode() {
        return switch (precision) {
            case FP32 -> 0;
            case TF32 -> 1;
            case BF16 -> 2;
        };
    }

    /** True when the narrow (32-column) tile fits the GEMM. */
    private static boolean narrow(long columns) {
        return columns <= 32;
    }

    /** Rows of one tile of a kernel: 128, or 256 for an aligned kernel's 32-column tile. */
    private static int tileRows(boolean aligned, long columns) {
        return aligned && narrow(columns) ? ALIGNED_NARROW_ROWS : GEMM_ROWS;
    }

    /** The grid of a GEMM of rows x columns in tiles of tileRows rows, with `layers` grid layers (phases or slices). */
    private static Grid gemmGrid(String pass, long rows, long columns, int tileRows, int layers) {
        int width = narrow(columns) ? 32 : 64;
        long x = (rows + tileRows - 1) / tileRows, y = (columns + width - 1) / width;
        if (x > Integer.MAX_VALUE || y > 65535)
            throw new IllegalArgumentException(pass + ": GEMM of " + rows + " x " + columns + " is too large");
        return new Grid((int) x, (int) y, layers, GEMM_THREADS, 0);
    }

    /**
     * Slices for a weight gradient of rows x columns summed over `voxels`, a function of the sizes only: as many as
     * keep the blocks within WGRAD_BLOCKS (two full waves of two blocks on 132 SMs; rounding up instead made a third,
     * nearly empty wave), each slice at least MIN_SLICE voxels.
     */
    private static int weightSlices(long rows, long columns, int tileRows, long voxels) {
        long tiles = ((rows + tileRows - 1) / tileRows) * ((columns + 63) / 64);
        long wanted = WGRAD_BLOCKS / tiles;
        return (int) Math.max(1, Math.min(Math.min(wanted, MAX_SLICES), voxels / MIN_SLICE));
    }

    // ---- when a pass may take the aligned kernels (their conditions, as kernels/conv_iterators.cuh states them)

    /** Every element offset of these tensors fits the aligned kernels' 32-bit index arithmetic. */
    private static boolean int32Offsets(Shape... shapes) {
        for (Shape s : shapes) if (s.numel() >= Integer.MAX_VALUE) return false;
        return true;
    }

    private static int taps(int[] kernel) {
        return kernel[0] * kernel[1] * kernel[2];
    }

    /** Forward: the input's channels, and the pair's first part, whole k-tiles; at most 32 taps (a bit mask). */
    static boolean alignedForward(Shape x, int split, int[] kernel, Shape y) {
        return x.c() % BK == 0 && split % BK == 0 && taps(kernel) <= 32 && int32Offsets(x, y);
    }

    /** Backward data: the output's channels whole k-tiles, the input's in groups of 4; at most 32 taps. */
    static boolean alignedBackwardData(Shape x, int[] kernel, Shape dy) {
        return dy.c() % BK == 0 && x.c() % 4 == 0 && taps(kernel) <= 32 && int32Offsets(x, dy);
    }

    /** Backward weight: input channels, the pair's first part and output channels in groups of 4. */
    static boolean alignedBackwardWeight(Shape x, int split, Shape dy) {
        return x.c() % 4 == 0 && split % 4 == 0 && dy.c() % 4 == 0 && int32Offsets(x, dy);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /**
     * A convolution input as the kernels read it: two parts (the second NULL for one tensor) and the first's channels.
     */
    private record Input(CudaTensor first, DevicePointer second, int split) {
        static Input of(Tensor x) {
            if (x instanceof CudaChannelPair pair) return new Input(pair.first(), pair.second(), pair.split());
            return new Input(CudaBackend.c(x), DevicePointer.NULL, x.shape().c());
        }
    }

    // ---- conv3d ----

    Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        Shape ys = g.outShape(x.shape(), weight.shape().dim(0));
        CudaTensor y = rt.make(ys);
        Input in = Input.of(x);
        long rows = (long) ys.n() * ys.spatial();
        boolean aligned = alignedForward(x.shape(), in.split(), g.kernel(), ys);
        Grid grid = gemmGrid("conv3d forward", rows, ys.c(), tileRows(aligned, ys.c()), 1);
        Geo geo = new Geo(x.shape(), ys, g.kernel(), g.stride(), g.padding());
        DevicePointer b = bias == null ? DevicePointer.NULL : CudaBackend.c(bias);
        CudaTensor w = CudaBackend.c(weight);
        if (aligned && narrow(ys.c()))
            k.conv3d_forward_aligned_32(grid, in.first(), in.second(), in.split(), w, b, y, geo, precisionCode());
        else if (aligned)
            k.conv3d_forward_aligned_64(grid, in.first(), in.second(), in.split(), w, b, y, geo, precisionCode());
        else if (narrow(ys.c()))
            k.conv3d_forward_32(grid, in.first(), in.second(), in.split(), w, b, y, geo, precisionCode());
        else k.conv3d_forward_64(grid, in.first(), in.second(), in.split(), w, b, y, geo, precisionCode());
        return y;
    }

    Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape) {
        CudaTensor dx = rt.make(xShape);
        backwardData(dy, weight, g, xShape, dx, DevicePointer.NULL, xShape.c());
        return dx;
    }

    /** When x is a channel pair (a skip concatenation), its gradient is written as a pair too: never joined. */
    Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Tensor x) {
        if (!(x instanceof CudaChannelPair pair)) return conv3dBackwardData(dy, weight, g, x.shape());
        CudaTensor first = rt.make(pair.first().shape()),
                second = rt.make(pair.second().shape());
        backwardData(dy, weight, g, x.shape(), first, second, pair.split());
        return new CudaChannelPair(pair.plumbing(), first, second, true);
    }

    private void backwardData(
            Tensor dy, Tensor weight, ConvGeometry g, Shape xShape, CudaTensor dx, DevicePointer dx2, int split) {
        int[] s = g.stride();
        Geo geo = new Geo(xShape, dy.shape(), g.kernel(), s, g.padding());
        CudaTensor d = CudaBackend.c(dy), w = CudaBackend.c(weight);
        boolean aligned = alignedBackwardData(xShape, g.kernel(), dy.shape());
        // one grid layer per stride phase; the largest phase (phase 0) sets the rows
        long rows =
                (long) xShape.n() * ceilDiv(xShape.d(), s[0]) * ceilDiv(xShape.h(), s[1]) * ceilDiv(xShape.w(), s[2]);
        Grid grid =
                gemmGrid("conv3d backward data", rows, xShape.c(), tileRows(aligned, xShape.c()), s[0] * s[1] * s[2]);
        if (aligned && narrow(xShape.c()))
            k.conv3d_backward_data_aligned_32(grid, d, w, dx, dx2, split, geo, precisionCode());
        else if (aligned) k.conv3d_backward_data_aligned_64(grid, d, w, dx, dx2, split, geo, precisionCode());
        else if (narrow(xShape.c())) k.conv3d_backward_data_32(grid, d, w, dx, dx2, split, geo, precisionCode());
        else k.conv3d_backward_data_64(grid, d, w, dx, dx2, split, geo, precisionCode());
    }

    WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        int[] kernel = g.kernel();
        Shape ws = new Shape(
                dy.shape().c(), kernel[0], kernel[1], kernel[2], x.shape().c());
        long voxels = (long) dy.shape().n() * dy.shape().spatial();
        long rows = (long) kernel[0] * kernel[1] * kernel[2] * x.shape().c(),
                columns = dy.shape().c();
        Input in = Input.of(x);
        boolean aligned = alignedBackwardWeight(x.shape(), in.split(), dy.shape());
        int tileRows = tileRows(aligned, columns);
        int slices = weightSlices(rows, columns, tileRows, voxels);
        Grid grid = gemmGrid("conv3d backward weight", rows, columns, tileRows, slices);
        Geo geo = new Geo(x.shape(), dy.shape(), kernel, g.stride(), g.padding());
        CudaTensor d = CudaBackend.c(dy);
        CudaTensor dw = sumOfSlices(ws, slices, partial -> {
            DevicePointer x2 = in.second();
            if (aligned && narrow(columns))
                k.conv3d_backward_weight_aligned_32(
                        grid, in.first(), x2, in.split(), d, partial, geo, slices, precisionCode());
            else if (aligned)
                k.conv3d_backward_weight_aligned_64(
                        grid, in.first(), x2, in.split(), d, partial, geo, slices, precisionCode());
            else if (narrow(columns))
                k.conv3d_backward_weight_32(grid, in.first(), x2, in.split(), d, partial, geo, slices, precisionCode());
            else
                k.conv3d_backward_weight_64(grid, in.first(), x2, in.split(), d, partial, geo, slices, precisionCode());
        });
        return new WeightGrads(dw, withBias ? biasGrad(dy) : null);
    }

    // ---- convTranspose3d (kernel = stride, no padding) ----

    Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride) {
        Shape xs = x.shape();
        Shape ys = Shape.ndhwc(
                xs.n(),
                xs.d() * stride[0],
                xs.h() * stride[1],
                xs.w() * stride[2],
                weight.shape().dim(4));
        CudaTensor y = rt.make(ys);
        long taps = (long) stride[0] * stride[1] * stride[2], columns = taps * ys.c();
        Grid grid = gemmGrid("convTranspose3d forward", (long) xs.n() * xs.spatial(), columns, GEMM_ROWS, 1);
        Geo geo = new Geo(xs, ys, stride, stride, NO_PAD);
        DevicePointer b = bias == null ? DevicePointer.NULL : CudaBackend.c(bias);
        if (narrow(columns))
            k.conv_transpose3d_forward_32(grid, CudaBackend.c(x), CudaBackend.c(weight), b, y, geo, precisionCode());
        else k.conv_transpose3d_forward_64(grid, CudaBackend.c(x), CudaBackend.c(weight), b, y, geo, precisionCode());
        return y;
    }

    Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] stride) {
        Shape ys = dy.shape();
        Shape xs = Shape.ndhwc(
                ys.n(),
                ys.d() / stride[0],
                ys.h() / stride[1],
                ys.w() / stride[2],
                weight.shape().dim(0));
        CudaTensor dx = rt.make(xs);
        Grid grid = gemmGrid("convTranspose3d backward data", (long) xs.n() * xs.spatial(), xs.c(), GEMM_ROWS, 1);
        Geo geo = new Geo(xs, ys, stride, stride, NO_PAD);
        if (narrow(xs.c()))
            k.conv_transpose3d_backward_data_32(
                    grid, CudaBackend.c(dy), CudaBackend.c(weight), dx, geo, precisionCode());
        else
            k.conv_transpose3d_backward_data_64(
                    grid, CudaBackend.c(dy), CudaBackend.c(weight), dx, geo, precisionCode());
        return dx;
    }

    WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] stride, boolean withBias) {
        Shape ws = new Shape(
                x.shape().c(), stride[0], stride[1], stride[2], dy.shape().c());
        long voxels = (long) x.shape().n() * x.shape().spatial();
        long rows = x.shape().c(),
                columns = (long) stride[0] * stride[1] * stride[2] * dy.shape().c();
        int slices = weightSlices(rows, columns, GEMM_ROWS, voxels);
        Grid grid = gemmGrid("convTranspose3d backward weight", rows, columns, GEMM_ROWS, slices);
        Geo geo = new Geo(x.shape(), dy.shape(), stride, stride, NO_PAD);
        CudaTensor in = CudaBackend.c(x), d = CudaBackend.c(dy);
        CudaTensor dw = sumOfSlices(ws, slices, partial -> {
            if (narrow(columns))
                k.conv_transpose3d_backward_weight_32(grid, in, d, partial, geo, slices, precisionCode());
            else k.conv_transpose3d_backward_weight_64(grid, in, d, partial, geo, slices, precisionCode());
        });
        return new WeightGrads(dw, withBias ? biasGrad(dy) : null);
    }

    // ---- deterministic sums of slices (kernels/slice_sums.cu) ----

    /** Runs `pass` into [slices][out] partial sums and adds them in slice order: deterministic. */
    private CudaTensor sumOfSlices(Shape out, int slices, Consumer<CudaTensor> pass) {
        long count = out.numel();
        CudaTensor result = rt.make(out);
        try (CudaTensor partial = rt.make(new Shape((int) (count * slices)))) {
            pass.accept(partial);
            k.reduce_slices(Grid.elementwise(count), partial, result, count, slices);
        }
        return result;
    }

    private CudaTensor biasGrad(Tensor dy) {
        int columns = dy.shape().c();
        long rows = dy.shape().numel() / columns;
        int slices = (int) Math.max(1, Math.min(256, Math.min(rows / 512, (1L << 24) / Math.max(1, columns))));
        CudaTensor d = CudaBackend.c(dy);
        return sumOfSlices(
                new Shape(columns),
                slices,
                partial -> k.column_sums(Grid.elementwise((long) columns * slices), d, rows, columns, slices, partial));
    }
}
