package org.backsplit.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.AdamStep;
import org.backsplit.backend.Backend;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.LossTerms;
import org.backsplit.backend.NormForward;
import org.backsplit.backend.NormGrads;
import org.backsplit.backend.PendingScalar;
import org.backsplit.backend.Precision;
import org.backsplit.backend.SgdStep;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Lazy;

/**
 * The CUDA backend: our kernels (kernels/*.cu, shipped in the jar as one fatbin) driven through the driver
 * API from Java. All work (launches, copies, fills) goes to one stream of the backend's own, in order, so a
 * block the caching allocator hands out again is never touched before earlier kernels are done with it;
 * the host waits only when it reads a result (download, loss value, norms). Deterministic: no kernel uses floating-point atomics, so the same inputs
 * give bit-identical results on the same GPU. Set BACKSPLIT_CUDA_SYNC=1 to synchronise after every launch,
 * so an asynchronous kernel fault names the kernel that caused it.
 */
public final class CudaBackend implements Backend, AutoCloseable {
    private static final int BLOCK = 256;
    private static final String FATBIN = "/kernels/backsplit.fatbin";

    private final CudaDriver driver;
    private final MemorySegment context;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final CudaAllocator allocator;
    private final MemorySegment stream;
    private final String deviceName;
    private final boolean syncEveryLaunch = System.getenv("BACKSPLIT_CUDA_SYNC") != null;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private final CudaConvolutions convolutions = new CudaConvolutions(this);

    private CudaBackend(CudaDriver driver, int ordinal) {
        this.driver = driver;
        int dev = driver.device(ordinal);
        this.deviceName = driver.deviceName(dev);
        this.context = driver.primaryContext(dev);
        makeCurrent();
        this.module = driver.loadModule(readFatbin());
        this.allocator = new CudaAllocator(driver);
        this.stream = driver.createStream();
    }

    /** The NVIDIA driver's library. */
    public static final String DRIVER = "libcuda.so.1";

    /**
     * Opens GPU 0, or throws UnsupportedOperationException saying why there is none. The system property
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
        if (CudaBackend.class.getResource(FATBIN) == null) {
            throw new UnsupportedOperationException("this build has no CUDA kernels (nvcc was missing when it was built)");
        }
        return new CudaBackend(driver, 0);
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

    private static MemorySegment readFatbin() {
        try (InputStream in = CudaBackend.class.getResourceAsStream(FATBIN)) {
            if (in == null) throw new UnsupportedOperationException("no " + FATBIN + " in this build");
            byte[] image = in.readAllBytes();
            MemorySegment seg = Arena.global().allocate(image.length + 1, 16);
            MemorySegment.copy(MemorySegment.ofArray(image), 0, seg, 0, image.length);
            return seg;
        } catch (IOException e) {
            throw new UnsupportedOperationException("cannot read " + FATBIN + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return "cuda (" + deviceName + (precision() == Precision.FP32 ? "" : ", " + precision() + " convolutions") + ")";
    }

    public String deviceName() {
        return deviceName;
    }

    private void makeCurrent() {
        if (!current.get()) {
            driver.setCurrent(context);
            current.set(true);
        }
    }

    // ---- memory ----

    CudaTensor make(Shape s) {
        makeCurrent();
        return new CudaTensor(this, s, allocator.allocate(Math.max(4L, 4L * s.numel())));
    }

    void release(long ptr, long bytes) {
        allocator.release(ptr, bytes);
    }

    /** How many times the driver's cuMemAlloc was called: constant across training steps once warm. */
    public long driverAllocations() {
        return allocator.driverAllocations();
    }

    /** Peak device memory held by live tensors since the backend opened (the caching allocator's view). */
    public long peakBytesInUse() {
        return allocator.peakBytesInUse();
    }

    static CudaTensor c(Tensor t) {
        if (t instanceof CudaTensor ct) return ct;
        if (t instanceof CudaChannelPair pair) return pair.joined();
        throw new IllegalArgumentException(t + " (not a CUDA tensor) passed to the CUDA backend");
    }

    /** A scratch buffer of doubles, returned to the allocator by close(). */
    private CudaTensor doubles(long count) {
        return make(new Shape((int) (2 * count))); // two float slots per double
    }

    @Override
    public Tensor zeros(Shape shape) {
        CudaTensor t = make(shape);
        if (shape.numel() > 0) driver.fill32(t.ptr(), 0, shape.numel(), stream);
        return t;
    }

    @Override
    public Tensor upload(float[] data, Shape shape) {
        if (data.length != shape.numel()) throw new IllegalArgumentException(data.length + " values for shape " + shape);
        CudaTensor t = make(shape);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_FLOAT, Math.max(1, data.length));
            MemorySegment.copy(data, 0, host, JAVA_FLOAT, 0, data.length);
            driver.copyToDevice(t.ptr(), host, 4L * data.length, stream);
        }
        return t;
    }

    @Override
    public float[] download(Tensor t) {
        makeCurrent();
        CudaTensor ct = c(t);
        int n = t.shape().size();
        float[] out = new float[n];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_FLOAT, Math.max(1, n));
            driver.copyToHost(host, ct.ptr(), 4L * n, stream);
            MemorySegment.copy(host, JAVA_FLOAT, 0, out, 0, n);
        }
        return out;
    }

    private double[] downloadDoubles(CudaTensor t, int count) {
        double[] out = new double[count];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_DOUBLE, Math.max(1, count));
            driver.copyToHost(host, t.ptr(), 8L * count, stream);
            MemorySegment.copy(host, JAVA_DOUBLE, 0, out, 0, count);
        }
        return out;
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

    // ---- launching ----

    private MemorySegment function(String name) {
        return functions.computeIfAbsent(name, n -> driver.function(module, n));
    }

    private void launch(String kernel, int gridX, int gridY, int block, int sharedBytes, Object... args) {
        launch3(kernel, gridX, gridY, 1, block, sharedBytes, args);
    }

    void launch3(String kernel, int gridX, int gridY, int gridZ, int block, int sharedBytes, Object... args) {
        makeCurrent();
        try (KernelArgs a = new KernelArgs(args)) {
            driver.launch(function(kernel), kernel, gridX, gridY, gridZ, block, sharedBytes, stream, a.array());
        }
        if (syncEveryLaunch) driver.synchronize(stream, kernel + " (grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + block + ")");
    }

    /** A grid-stride launch over n elements. */
    void elementwise(String kernel, long n, Object... args) {
        if (n == 0) return;
        int grid = (int) Math.min((n + BLOCK - 1) / BLOCK, 65536);
        launch(kernel, grid, 1, BLOCK, 0, args);
    }

    @Override
    public void synchronize() {
        makeCurrent();
        driver.synchronize(stream, "synchronize()");
    }

    /** Times `work` on the device with events; milliseconds. */
    public float time(Runnable work) {
        makeCurrent();
        MemorySegment start = driver.createEvent(), end = driver.createEvent();
        try {
            driver.record(start, stream);
            work.run();
            driver.record(end, stream);
            return driver.elapsed(start, end);
        } finally {
            driver.destroyEvent(start);
            driver.destroyEvent(end);
        }
    }

    // ---- convolution: CudaConvolutions ----

    /** The convolutions' arithmetic from now on (FP32 unless chosen; see {@link Precision}). */
    public void usePrecision(Precision p) {
        convolutions.usePrecision(p);
    }

    public Precision precision() {
        return convolutions.precision();
    }

    @Override
    public Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        return convolutions.conv3d(x, weight, bias, g);
    }

    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape) {
        return convolutions.conv3dBackwardData(dy, weight, g, xShape);
    }

    /** When x is a channel pair (a skip concatenation), its gradient is written as a pair too: never joined. */
    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Tensor x) {
        return convolutions.conv3dBackwardData(dy, weight, g, x);
    }

    @Override
    public WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        return convolutions.conv3dBackwardWeight(x, dy, g, withBias);
    }

    @Override
    public Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride) {
        return convolutions.convTranspose3d(x, weight, bias, stride);
    }

    @Override
    public Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] stride) {
        return convolutions.convTranspose3dBackwardData(dy, weight, stride);
    }

    @Override
    public WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] stride, boolean withBias) {
        return convolutions.convTranspose3dBackwardWeight(x, dy, stride, withBias);
    }

    // ---- instance norm ----

    /** Voxel slices per sample for the statistics: fixed by the voxel count alone (deterministic). */
    private static int normSlices(long v) {
        return (int) Math.max(1, Math.min(1024, v / 2048));
    }

    @Override
    public NormForward groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        Backend.channelsPerGroup(x.shape().c(), groups); // refuses channels that do not split evenly
        return normForward(x, gamma, beta, groups, eps, -1f);
    }

    @Override
    public NormGrads groupNormBackward(Tensor dy, Tensor x, Tensor gamma, NormForward saved, int groups) {
        Backend.channelsPerGroup(x.shape().c(), groups); // refuses channels that do not split evenly
        return normBackward(dy, x, null, -1f, groups, gamma, saved);
    }

    @Override
    public NormForward instanceNormLeakyRelu(Tensor x, Tensor gamma, Tensor beta, double eps, double slope) {
        return normForward(x, gamma, beta, x.shape().c(), eps, (float) slope);
    }

    private NormForward normForward(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, float slope) {
        Shape s = x.shape();
        int n = s.n(), c = s.c(), per = c / groups;
        long v = s.spatial();
        int slices = normSlices(v);
        Shape stats = new Shape(n, c);
        CudaTensor mean = make(stats), rstd = make(stats), y = make(s);
        try (CudaTensor partial = doubles((long) n * slices * c); CudaTensor meanD = doubles((long) n * c)) {
            launch("norm_channel_sums", slices, n, BLOCK, BLOCK * 8, x, new KernelArgs.Ptr(0), c, v, slices, partial);
            launch("norm_finalize", (n * c + BLOCK - 1) / BLOCK, 1, BLOCK, 0, partial, n, c, per, slices, v, eps, 0, meanD, mean);
            launch("norm_channel_sums", slices, n, BLOCK, BLOCK * 8, x, meanD, c, v, slices, partial);
            launch("norm_finalize", (n * c + BLOCK - 1) / BLOCK, 1, BLOCK, 0, partial, n, c, per, slices, v, eps, 1, meanD, rstd);
        }
        elementwise("norm_apply", s.numel(), x, mean, rstd, gamma, beta, y, c, v, s.numel(), slope);
        return new NormForward(y, mean, rstd);
    }

    @Override
    public NormGrads instanceNormLeakyReluBackward(Tensor dy, Tensor x, Tensor y, Tensor gamma, NormForward saved, double slope) {
        return normBackward(dy, x, y, (float) slope, x.shape().c(), gamma, saved);
    }

    private NormGrads normBackward(Tensor dy, Tensor x, Tensor y, float slope, int groups, Tensor gamma, NormForward saved) {
        Shape s = x.shape();
        int n = s.n(), c = s.c(), per = c / groups;
        long v = s.spatial();
        int slices = normSlices(v);
        Shape stats = new Shape(n, c);
        CudaTensor dx = make(s), dgamma = make(new Shape(c)), dbeta = make(new Shape(c));
        try (CudaTensor partial = doubles(2L * n * slices * c); CudaTensor a = make(stats); CudaTensor b = make(stats)) {
            launch("norm_bwd_sums", slices, n, BLOCK, BLOCK * 8, dy, x, y, slope, saved.mean(), saved.rstd(), c, v, slices, partial);
            launch("norm_bwd_finalize", (c + BLOCK - 1) / BLOCK, 1, BLOCK, 0, partial, gamma, n, c, per, slices, v, a, b, dgamma, dbeta);
            elementwise("norm_bwd_apply", s.numel(), dy, x, y, slope, saved.mean(), saved.rstd(), gamma, a, b, dx, c, v, s.numel());
        }
        return new NormGrads(dx, dgamma, dbeta);
    }

    // ---- activation and plumbing ----

    @Override
    public Tensor leakyRelu(Tensor x, double slope) {
        CudaTensor y = make(x.shape());
        elementwise("leaky_relu_fwd", x.shape().numel(), x, y, (float) slope, x.shape().numel());
        return y;
    }

    @Override
    public Tensor leakyReluBackward(Tensor dy, Tensor y, double slope) {
        CudaTensor dx = make(y.shape());
        elementwise("leaky_relu_bwd", y.shape().numel(), dy, y, dx, (float) slope, y.shape().numel());
        return dx;
    }

    @Override
    public Tensor concatChannels(Tensor a, Tensor b) {
        if (!a.shape().withChannels(1).equals(b.shape().withChannels(1))) {
            throw new IllegalArgumentException("cannot concatenate " + a.shape() + " and " + b.shape() + " along channels");
        }
        return new CudaChannelPair(this, c(a), c(b), false);  // read in place by the convolutions; joined only when needed
    }

    /** [a, b] along channels as one tensor. */
    CudaTensor join(CudaTensor a, CudaTensor b) {
        Shape as = a.shape();
        int ca = as.c(), cb = b.shape().c();
        long voxels = (long) as.n() * as.spatial();
        CudaTensor out = make(as.withChannels(ca + cb));
        elementwise("concat_channels", voxels * (ca + cb), a, b, out, ca, cb, voxels);
        return out;
    }

    @Override
    public Tensor[] splitChannels(Tensor t, int first) {
        if (t instanceof CudaChannelPair pair && pair.split() == first) {
            Tensor[] parts = pair.takeParts();  // a gradient written in two parts: handed out, not copied
            if (parts != null) return parts;
        }
        Shape s = t.shape();
        int second = s.c() - first;
        long voxels = (long) s.n() * s.spatial();
        CudaTensor a = make(s.withChannels(first)), b = make(s.withChannels(second));
        elementwise("split_channels", voxels * s.c(), t, a, b, first, second, voxels);
        return new Tensor[] {a, b};
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        CudaTensor out = make(a.shape());
        elementwise("add_f32", a.shape().numel(), a, b, out, a.shape().numel());
        return out;
    }

    // ---- resampling ----

    @Override
    public Tensor avgPool3d(Tensor x, int[] w) {
        Shape s = x.shape();
        CudaTensor y = make(Shape.ndhwc(s.n(), s.d() / w[0], s.h() / w[1], s.w() / w[2], s.c()));
        elementwise("avg_pool_fwd", y.shape().numel(), x, y, s.n(), s.d(), s.h(), s.w(), s.c(), w[0], w[1], w[2], y.shape().numel());
        return y;
    }

    @Override
    public Tensor avgPool3dBackward(Tensor dy, int[] w, Shape xs) {
        CudaTensor dx = make(xs);
        elementwise("avg_pool_bwd", xs.numel(), dy, dx, xs.n(), xs.d(), xs.h(), xs.w(), xs.c(), w[0], w[1], w[2], xs.numel());
        return dx;
    }

    @Override
    public Tensor upsampleTrilinear(Tensor x, int[] scale) {
        Shape s = x.shape();
        int[] dims = {s.n(), s.d(), s.h(), s.w(), s.c()};
        Tensor cur = x;
        for (int axis = 1; axis <= 3; axis++) { // separable: one linear pass per axis
            long[] view = axisView(dims, axis);
            dims[axis] *= scale[axis - 1];
            CudaTensor next = make(Shape.ndhwc(dims[0], dims[1], dims[2], dims[3], dims[4]));
            elementwise("linear_upsample_axis", next.shape().numel(), cur, next, view[0], (int) view[1], scale[axis - 1], view[2],
                    next.shape().numel());
            if (cur != x) cur.close();
            cur = next;
        }
        return cur;
    }

    @Override
    public Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xs) {
        int[] dims = {xs.n(), xs.d() * scale[0], xs.h() * scale[1], xs.w() * scale[2], xs.c()};
        Tensor cur = dy;
        for (int axis = 3; axis >= 1; axis--) {
            dims[axis] /= scale[axis - 1];
            long[] view = axisView(dims, axis);
            CudaTensor next = make(Shape.ndhwc(dims[0], dims[1], dims[2], dims[3], dims[4]));
            elementwise("linear_upsample_axis_bwd", next.shape().numel(), cur, next, view[0], (int) view[1], scale[axis - 1], view[2],
                    next.shape().numel());
            if (cur != dy) cur.close();
            cur = next;
        }
        return cur;
    }

    /** {outer, length, inner} of NDHWC dims seen along one spatial axis. */
    private static long[] axisView(int[] dims, int axis) {
        long outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= dims[a];
        for (int a = axis + 1; a < dims.length; a++) inner *= dims[a];
        return new long[] {outer, dims[axis], inner};
    }

    // ---- loss ----

    private static final int LOSS_BLOCKS = 64;
    private static final int LOSS_BLOCK = 128;
    private static final int MAX_CLASSES = 64;

    @Override
    public LossResult diceCrossEntropy(Tensor logits, Tensor labels, LossSpec spec) {
        Shape s = logits.shape();
        int n = s.n(), k = s.c();
        long v = s.spatial();
        if (k != spec.numClasses()) throw new IllegalArgumentException("logits have " + k + " channels, loss expects " + spec.numClasses());
        if (k > MAX_CLASSES) throw new IllegalArgumentException("the CUDA loss supports up to " + MAX_CLASSES + " classes, not " + k);
        int width = 3 * k + 3, rows = LOSS_BLOCKS * LOSS_BLOCK;
        int groups = spec.batchDice() ? 1 : n;
        long diceMask = 0;
        for (int c : spec.diceClasses()) diceMask |= 1L << c;
        CudaTensor p = make(s);
        CudaTensor terms = doubles(4);
        try (CudaTensor partial = doubles((long) n * rows * width); CudaTensor reduced = doubles((long) n * width);
             CudaTensor coefficients = make(new Shape(groups * 2 * k + 1))) {
            launch("dice_ce_partial", LOSS_BLOCKS, n, LOSS_BLOCK, 0, logits, labels, p, k, v, spec.ignoreLabel(), spec.mergedLabel(),
                    spec.mergedMask(), partial);
            launch("reduce_rows", (n * width + BLOCK - 1) / BLOCK, 1, BLOCK, 0, partial, n, (long) rows, width, reduced);
            // the coefficients are computed on the device: no host round trip inside the step
            launch("dice_ce_coefficients", 1, 1, 1, 0, reduced, n, k, spec.batchDice() ? 1 : 0, diceMask, spec.smooth(),
                    spec.weightCe(), spec.weightDice(), coefficients, terms);
            elementwise("dice_ce_grad", (long) n * v, p, labels, coefficients, k, v, (long) n * v, spec.ignoreLabel(),
                    spec.mergedLabel(), spec.mergedMask(), spec.batchDice() ? 1 : 0,
                    new KernelArgs.Ptr(coefficients.ptr() + 4L * groups * 2 * k), (float) spec.weight());
        }
        // read when first asked for (the loss is logged after the step's work is queued); labels outside the
        // classes were counted on the device and are reported then
        return new LossResult(Lazy.of(() -> {
            double[] t = downloadDoubles(terms, 4);
            terms.close();
            if (t[3] > 0) {
                throw new IllegalArgumentException((long) t[3] + " label values outside [0," + k + ") that are neither the ignore nor the merged label");
            }
            return new LossTerms(t[0], t[1], t[2]);
        }), p);
    }

    @Override
    public Tensor downsampleLabels(Tensor labels, Shape t) {
        Shape s = labels.shape();
        CudaTensor out = make(t);
        elementwise("downsample_labels", t.numel(), labels, out, s.n(), s.d(), s.h(), s.w(), t.d(), t.h(), t.w());
        return out;
    }

    // ---- optimizer ----

    private static final int SUM_BLOCKS = 256;

    /**
     * Blocks for a sum of squares over n values: as many as the tensor fills, up to SUM_BLOCKS; a function of
     * the size only (deterministic), and a bias of 32 values does not start 65,536 threads.
     */
    private static int sumBlocks(long n) {
        return (int) Math.max(1, Math.min(SUM_BLOCKS, (n + BLOCK - 1) / BLOCK));
    }

    /** [norm, coefficient] of the latest clipGradNorm, on the device; clipGeneration counts the calls. */
    private CudaTensor clipResult;
    private long clipGeneration;

    @Override
    public PendingScalar clipGradNorm(List<Tensor> grads, double maxNorm) {
        long slots = 0;
        for (Tensor g : grads) slots += sumBlocks(g.shape().numel());
        if (clipResult == null) clipResult = doubles(2);
        try (CudaTensor partial = doubles(Math.max(1, slots))) {
            long offset = 0;
            for (Tensor g : grads) {
                long n = g.shape().numel();
                int blocks = sumBlocks(n);
                launch("sum_squares_partial", blocks, 1, BLOCK, BLOCK * 8, g, n, new KernelArgs.Ptr(partial.ptr() + 8 * offset));
                offset += blocks;
            }
            launch("clip_coefficient", 1, 1, BLOCK, BLOCK * 8, partial, slots, maxNorm, clipResult);
        }
        for (Tensor g : grads) elementwise("scale_by_clip", g.shape().numel(), g, clipResult, g.shape().numel());
        long generation = ++clipGeneration;
        CudaTensor result = clipResult;
        return () -> {
            if (generation != clipGeneration) throw new IllegalStateException("gradient norm read after a later clipGradNorm");
            return downloadDoubles(result, 1)[0];
        };
    }

    @Override
    public double sumOfSquares(Tensor t) {
        double[] part;
        long n = t.shape().numel();
        int blocks = sumBlocks(n);
        try (CudaTensor partial = doubles(blocks)) {
            launch("sum_squares_partial", blocks, 1, BLOCK, BLOCK * 8, t, n, partial);
            part = downloadDoubles(partial, blocks);
        }
        double s = 0;
        for (double d : part) s += d;
        return s;
    }

    @Override
    public void scaleInPlace(Tensor t, double factor) {
        elementwise("scale_f32", t.shape().numel(), t, (float) factor, t.shape().numel());
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor buffer, SgdStep st) {
        long n = param.shape().numel();
        elementwise("sgd_step", n, param, grad, buffer, (float) st.lr(), (float) st.momentum(), (float) st.weightDecay(),
                st.nesterov() ? 1 : 0, st.first() ? 1 : 0, n);
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamStep st) {
        long n = param.shape().numel();
        float stepSize = (float) (st.lr() / (1 - Math.pow(st.beta1(), st.t())));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(st.beta2(), st.t()));
        elementwise("adam_step", n, param, grad, m, v, (float) st.lr(), (float) st.beta1(), (float) st.beta2(), (float) st.eps(),
                (float) st.weightDecay(), st.decoupled() ? 1 : 0, stepSize, bc2Sqrt, n);
    }

    @Override
    public void close() {
        makeCurrent();
        driver.synchronize(stream, "close");
        if (clipResult != null) clipResult.close();
        allocator.releaseAll();
        driver.destroyStream(stream);
    }
}
