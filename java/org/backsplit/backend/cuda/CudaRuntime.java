package org.backsplit.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.backsplit.tensor.Shape;

/**
 * The CUDA runtime of the backend: a device's primary context, one stream of our own, the kernels' module (the jar's
 * fatbin), the caching allocator, copies and launches. All work goes to the one stream, in order, so a block the
 * allocator hands out again is never touched before earlier kernels are done with it; the host waits only when it reads
 * a result. Set BACKSPLIT_CUDA_SYNC=1 to synchronise after every launch, so an asynchronous kernel fault names the
 * kernel that caused it.
 */
final class CudaRuntime implements AutoCloseable {
    static final String FATBIN = "/kernels/backsplit.fatbin";

    private final CudaDriver driver;
    private final MemorySegment context;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final CudaAllocator allocator;
    private final MemorySegment stream;
    private final String deviceName;
    private final boolean syncEveryLaunch = System.getenv("BACKSPLIT_CUDA_SYNC") != null;
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private final CudaKernels kernels = new CudaKernels(this);

    CudaRuntime(CudaDriver driver, int ordinal) {
        this.driver = driver;
        int dev = driver.device(ordinal);
        this.deviceName = driver.deviceName(dev);
        this.context = driver.primaryContext(dev);
        makeCurrent();
        this.module = driver.loadModule(readFatbin());
        this.allocator = new CudaAllocator(driver);
        this.stream = driver.createStream();
    }

    private static MemorySegment readFatbin() {
        try (InputStream in = CudaRuntime.class.getResourceAsStream(FATBIN)) {
            if (in == null) throw new UnsupportedOperationException("no " + FATBIN + " in this build");
            byte[] image = in.readAllBytes();
            MemorySegment seg = Arena.global().allocate(image.length + 1, 16);
            MemorySegment.copy(MemorySegment.ofArray(image), 0, seg, 0, image.length);
            return seg;
        } catch (IOException e) {
            throw new UnsupportedOperationException("cannot read " + FATBIN + ": " + e.getMessage());
        }
    }

    String deviceName() {
        return deviceName;
    }

    /** Every kernel of kernels/*.cu, typed. */
    CudaKernels kernels() {
        return kernels;
    }

    private void makeCurrent() {
        if (!current.get()) {
            driver.setCurrent(context);
            current.set(true);
        }
    }

    // ---- memory ----

    /** A new float32 tensor, contents undefined. */
    CudaTensor make(Shape s) {
        makeCurrent();
        return new CudaTensor(this, s, allocator.allocate(Math.max(4L, 4L * s.numel())));
    }

    /** A scratch buffer of doubles, returned to the allocator by close(). */
    CudaTensor doubles(long count) {
        return make(new Shape((int) (2 * count))); // two float slots per double
    }

    void release(long ptr, long bytes) {
        allocator.release(ptr, bytes);
    }

    long driverAllocations() {
        return allocator.driverAllocations();
    }

    long peakBytesInUse() {
        return allocator.peakBytesInUse();
    }

    CudaTensor zeros(Shape shape) {
        CudaTensor t = make(shape);
        if (shape.numel() > 0) driver.fill32(t.ptr(), 0, shape.numel(), stream);
        return t;
    }

    CudaTensor upload(float[] data, Shape shape) {
        if (data.length != shape.numel())
            throw new IllegalArgumentException(data.length + " values for shape " + shape);
        CudaTensor t = make(shape);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_FLOAT, Math.max(1, data.length));
            MemorySegment.copy(data, 0, host, JAVA_FLOAT, 0, data.length);
            driver.copyToDevice(t.ptr(), host, 4L * data.length, stream);
        }
        return t;
    }

    /** int32 values for a kernel's const int*, in a buffer of as many 4-byte slots. */
    CudaTensor uploadInts(int[] values) {
        CudaTensor t = make(new Shape(Math.max(1, values.length)));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_INT, Math.max(1, values.length));
            MemorySegment.copy(values, 0, host, JAVA_INT, 0, values.length);
            driver.copyToDevice(t.ptr(), host, 4L * values.length, stream);
        }
        return t;
    }

    float[] download(CudaTensor t) {
        makeCurrent();
        int n = t.shape().size();
        float[] out = new float[n];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_FLOAT, Math.max(1, n));
            driver.copyToHost(host, t.ptr(), 4L * n, stream);
            MemorySegment.copy(host, JAVA_FLOAT, 0, out, 0, n);
        }
        return out;
    }

    /** The first `count` doubles of a buffer made by {@link #doubles}. */
    double[] downloadDoubles(CudaTensor t, int count) {
        makeCurrent();
        double[] out = new double[count];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_DOUBLE, Math.max(1, count));
            driver.copyToHost(host, t.ptr(), 8L * count, stream);
            MemorySegment.copy(host, JAVA_DOUBLE, 0, out, 0, count);
        }
        return out;
    }

    // ---- launching (through CudaKernels) ----

    void launch(String kernel, Grid grid, KernelArgs args) {
        try (args) {
            if (grid.empty()) return;
            makeCurrent();
            MemorySegment function = functions.computeIfAbsent(kernel, n -> driver.function(module, n));
            driver.launch(
                    function,
                    kernel,
                    grid.x(),
                    grid.y(),
                    grid.z(),
                    grid.block(),
                    grid.sharedBytes(),
                    stream,
                    args.array());
        }
        if (syncEveryLaunch) driver.synchronize(stream, kernel + " (" + grid + ")");
    }

    void synchronize() {
        makeCurrent();
        driver.synchronize(stream, "synchronize()");
    }

    /** Times `work` on the device with events; milliseconds. */
    float time(Runnable work) {
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

    @Override
    public void close() {
        makeCurrent();
        driver.synchronize(stream, "close");
        allocator.releaseAll();
        driver.destroyStream(stream);
    }
}
