package org.backsplit.backend.cuda;

import java.util.List;
import org.backsplit.backend.AdamStep;
import org.backsplit.backend.AttentionGrads;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.Backend;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.backend.LayerNormGrads;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.PendingScalar;
import org.backsplit.backend.Precision;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.SgdStep;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * The CUDA backend: the op table. Each operation family has its launcher (CudaConvolution, CudaGroupNorm,
 * CudaLeakyRelu, CudaPlumbing, CudaResampling, CudaDiceCrossEntropy, CudaOptimizer) over our kernels (kernels/*.cu,
 * shipped in the jar as one fatbin), launched through the typed CudaKernels on the CudaRuntime (context, stream,
 * module, allocator). Deterministic: no kernel uses floating-point atomics, so the same inputs give bit-identical
 * results on the same GPU.
 */
public final class CudaBackend implements Backend, AutoCloseable {
    /** The NVIDIA driver's library. */
    public static final String DRIVER = "libcuda.so.1";

    private final CudaRuntime rt;
    private final CudaConvolution convolution;
    private final CudaGroupNorm groupNorm;
    private final CudaLeakyRelu leakyRelu;
    private final CudaPlumbing plumbing;
    private final CudaResampling resampling;
    private final CudaDiceCrossEntropy diceCrossEntropy;
    private final CudaOptimizer optimizer;
    private final CudaTransformer transformer;

    private CudaBackend(CudaRuntime rt) {
        this.rt = rt;
        this.convolution = new CudaConvolution(rt);
        this.groupNorm = new CudaGroupNorm(rt);
        this.leakyRelu = new CudaLeakyRelu(rt);
        this.plumbing = new CudaPlumbing(rt);
        this.resampling = new CudaResampling(rt);
        this.diceCrossEntropy = new CudaDiceCrossEntropy(rt);
        this.optimizer = new CudaOptimizer(rt);
        this.transformer = new CudaTransformer(rt);
    }

    /**
     * Opens GPU 0 in fp32, or throws UnsupportedOperationException saying why there is none. The system property
     * backsplit.cuda.driver names another driver library (the CUDA emulator, to run a GPU script on the CPU).
     */
    public static CudaBackend open() {
        return open(Precision.FP32);
    }

    /** Opens GPU 0 (as {@link #open()}) computing its convolutions in `precision`. */
    public static CudaBackend open(Precision precision) {
        CudaBackend gpu = open(System.getProperty("backsplit.cuda.driver", DRIVER));
        gpu.usePrecision(precision);
        return gpu;
    }

    /**
     * Opens device 0 of the given driver library: {@link #DRIVER}, or the path of the CUDA emulator
     * (native/cuda-emulator, built beside the kernels), which runs the same kernels on the CPU for tests.
     */
    public static CudaBackend open(String driverLibrary) {
        CudaDriver driver = new CudaDriver(driverLibrary);
        try {
            driver.init();
        } catch (CudaException e) {
            throw new UnsupportedOperationException("CUDA driver present but no usable GPU: " + e.getMessage());
        }
        if (driver.deviceCount() == 0) throw new UnsupportedOperationException("CUDA driver present but no GPU");
        if (CudaBackend.class.getResource(CudaRuntime.FATBIN) == null) {
            throw new UnsupportedOperationException(
                    "this build has no CUDA kernels (nvcc was missing when it was built)");
        }
        return new CudaBackend(new CudaRuntime(driver, 0));
    }

    /** Why CUDA cannot be used here, or null when it can. */
    public static String unavailableReason() {
        try {
            open().close();
            return null;
        } catch (UnsupportedOperationException | CudaException e) {
            return e.getMessage();
        }
    }

    @Override
    public String name() {
        return "cuda (" + rt.deviceName() + (precision() == Precision.FP32 ? "" : ", " + precision() + " convolutions")
                + ")";
    }

    public String deviceName() {
        return rt.deviceName();
    }

    /** The convolutions' arithmetic from now on (FP32 unless chosen; see {@link Precision}). */
    public void usePrecision(Precision p) {
        convolution.usePrecision(p);
    }

    public Precision precision() {
        return convolution.precision();
    }

    /** How many times the driver's cuMemAlloc was called: constant across training steps once warm. */
    public long driverAllocations() {
        return rt.driverAllocations();
    }

    /** Peak device memory held by live tensors since the backend opened (the caching allocator's view). */
    @Override
    public long peakBytesInUse() {
        return rt.peakBytesInUse();
    }

    @Override
    public void synchronize() {
        rt.synchronize();
    }

    /** Times `work` on the device with events; milliseconds. */
    public float time(Runnable work) {
        return rt.time(work);
    }

    /** The CUDA tensor behind t: itself, or a channel pair's concatenation (made once). */
    static CudaTensor c(Tensor t) {
        if (t instanceof CudaTensor ct) return ct;
        if (t instanceof CudaChannelPair pair) return pair.joined();
        throw new IllegalArgumentException(t + " (not a CUDA tensor) passed to the CUDA backend");
    }

    // ---- storage ----

    @Override
    public Tensor zeros(Shape shape) {
        return rt.zeros(shape);
    }

    @Override
    public Tensor upload(float[] data, Shape shape) {
        return rt.upload(data, shape);
    }

    @Override
    public float[] download(Tensor t) {
        return rt.download(c(t));
    }

    @Override
    public Tensor uploadExact(double[] data, Shape shape) {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) data[i];
        return upload(f, shape);
    }

    @Override
    public double[] downloadExact(Tensor t) {
        float[] f = download(t);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    // ---- convolution ----

    @Override
    public Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        return convolution.conv3d(x, weight, bias, g);
    }

    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape) {
        return convolution.conv3dBackwardData(dy, weight, g, xShape);
    }

    /** When x is a channel pair (a skip concatenation), its gradient is written as a pair too: never joined. */
    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Tensor x) {
        return convolution.conv3dBackwardData(dy, weight, g, x);
    }

    @Override
    public WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        return convolution.conv3dBackwardWeight(x, dy, g, withBias);
    }

    @Override
    public Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride) {
        return convolution.convTranspose3d(x, weight, bias, stride);
    }

    @Override
    public Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] stride) {
        return convolution.convTranspose3dBackwardData(dy, weight, stride);
    }

    @Override
    public WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] stride, boolean withBias) {
        return convolution.convTranspose3dBackwardWeight(x, dy, stride, withBias);
    }

    // ---- group norm and LeakyReLU ----

    @Override
    public GroupNormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        return groupNorm.forward(x, gamma, beta, groups, eps, -1);
    }

    @Override
    public GroupNormGrads groupNormBackward(Tensor dy, Tensor x, Tensor gamma, GroupNormOutput saved, int groups) {
        return groupNorm.backward(dy, x, null, -1, groups, gamma, saved);
    }

    @Override
    public GroupNormOutput groupNormLeakyRelu(
            Tensor x, Tensor gamma, Tensor beta, int groups, double eps, double slope) {
        return groupNorm.forward(x, gamma, beta, groups, eps, slope);
    }

    @Override
    public GroupNormGrads groupNormLeakyReluBackward(
            Tensor dy, Tensor x, Tensor y, Tensor gamma, GroupNormOutput saved, int groups, double slope) {
        return groupNorm.backward(dy, x, y, slope, groups, gamma, saved);
    }

    @Override
    public Tensor leakyRelu(Tensor x, double slope) {
        return leakyRelu.forward(x, slope);
    }

    @Override
    public Tensor leakyReluBackward(Tensor dy, Tensor y, double slope) {
        return leakyRelu.backward(dy, y, slope);
    }

    // ---- transformer operations ----

    @Override
    public LayerNormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps) {
        return transformer.layerNorm(x, gamma, beta, eps);
    }

    @Override
    public LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor gamma, LayerNormOutput saved) {
        return transformer.layerNormBackward(dy, x, gamma, saved);
    }

    @Override
    public Tensor gelu(Tensor x) {
        return transformer.gelu(x);
    }

    @Override
    public Tensor geluBackward(Tensor dy, Tensor x) {
        return transformer.geluBackward(dy, x);
    }

    @Override
    public Tensor gatherRows(Tensor x, RowGather g) {
        return transformer.gatherRows(x, g);
    }

    @Override
    public Tensor gatherRowsBackward(Tensor dy, RowGather g) {
        return transformer.gatherRowsBackward(dy, g);
    }

    @Override
    public AttentionOutput windowAttention(Tensor qkv, Tensor bias, Tensor mask, int heads, double scale) {
        return transformer.windowAttention(qkv, bias, mask, heads, scale);
    }

    @Override
    public AttentionGrads windowAttentionBackward(
            Tensor dout, Tensor qkv, AttentionOutput saved, int heads, double scale) {
        return transformer.windowAttentionBackward(dout, qkv, saved, heads, scale);
    }

    // ---- tensor plumbing ----

    @Override
    public Tensor concatChannels(Tensor a, Tensor b) {
        return plumbing.concatChannels(a, b);
    }

    @Override
    public Tensor[] splitChannels(Tensor t, int first) {
        return plumbing.splitChannels(t, first);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return plumbing.add(a, b);
    }

    // ---- resampling ----

    @Override
    public Tensor avgPool3d(Tensor x, int[] window) {
        return resampling.avgPool3d(x, window);
    }

    @Override
    public Tensor avgPool3dBackward(Tensor dy, int[] window, Shape xShape) {
        return resampling.avgPool3dBackward(dy, window, xShape);
    }

    @Override
    public Tensor upsampleTrilinear(Tensor x, int[] scale) {
        return resampling.upsampleTrilinear(x, scale);
    }

    @Override
    public Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xShape) {
        return resampling.upsampleTrilinearBackward(dy, scale, xShape);
    }

    @Override
    public Tensor downsampleLabels(Tensor labels, Shape target) {
        return resampling.downsampleLabels(labels, target);
    }

    // ---- loss ----

    @Override
    public LossResult diceCrossEntropy(Tensor logits, Tensor labels, LossSpec spec) {
        return diceCrossEntropy.compute(logits, labels, spec);
    }

    // ---- optimizer ----

    @Override
    public PendingScalar clipGradNorm(List<Tensor> grads, double maxNorm) {
        return optimizer.clipGradNorm(grads, maxNorm);
    }

    @Override
    public double sumOfSquares(Tensor t) {
        return optimizer.sumOfSquares(t);
    }

    @Override
    public void scaleInPlace(Tensor t, double factor) {
        optimizer.scaleInPlace(t, factor);
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor buffer, SgdStep step) {
        optimizer.sgdStep(param, grad, buffer, step);
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamStep step) {
        optimizer.adamStep(param, grad, m, v, step);
    }

    @Override
    public void close() {
        rt.synchronize();
        optimizer.close();
        rt.close();
    }
}
