package org.backsplit.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API through the Foreign Function & Memory API: libcuda.so.1 only (no runtime library, no JCuda).
 * About twenty calls: init, the primary context, a stream, module load and function lookup, launch, memory (allocation,
 * asynchronous copies and fills on the stream), events. Every call's result is checked and a failure becomes a
 * {@link CudaException} naming the call.
 */
final class CudaDriver {
    private static final Linker LINKER = Linker.nativeLinker();

    private final SymbolLookup lib;
    private final MethodHandle cuInit,
            cuDeviceGetCount,
            cuDeviceGet,
            cuDeviceGetName,
            cuDevicePrimaryCtxRetain,
            cuCtxSetCurrent,
            cuModuleLoadData,
            cuModuleGetFunction,
            cuLaunchKernel,
            cuMemAlloc,
            cuMemFree,
            cuMemcpyHtoD,
            cuMemcpyDtoH,
            cuMemsetD32,
            cuEventCreate,
            cuEventRecord,
            cuEventSynchronize,
            cuEventElapsedTime,
            cuEventDestroy,
            cuGetErrorName,
            cuStreamCreate,
            cuStreamSynchronize,
            cuStreamDestroy;

    /**
     * Binds a driver library: libcuda.so.1, or a file with the same calls (the CUDA emulator the tests use where there
     * is no GPU); throws UnsupportedOperationException when it cannot be loaded.
     */
    CudaDriver(String library) {
        try {
            lib = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsupportedOperationException("no CUDA driver (" + library + " not found)");
        }
        cuInit = bind("cuInit", JAVA_INT);
        cuDeviceGetCount = bind("cuDeviceGetCount", ADDRESS);
        cuDeviceGet = bind("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = bind("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDevicePrimaryCtxRetain = bind("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuCtxSetCurrent = bind("cuCtxSetCurrent", ADDRESS);
        cuModuleLoadData = bind("cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleGetFunction = bind("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuLaunchKernel = bind(
                "cuLaunchKernel",
                ADDRESS,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                ADDRESS,
                ADDRESS,
                ADDRESS);
        cuMemAlloc = bind("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = bind("cuMemFree_v2", JAVA_LONG);
        cuMemcpyHtoD = bind("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoH = bind("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemsetD32 = bind("cuMemsetD32Async", JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS);
        cuStreamCreate = bind("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamSynchronize = bind("cuStreamSynchronize", ADDRESS);
        cuStreamDestroy = bind("cuStreamDestroy_v2", ADDRESS);
        cuEventCreate = bind("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = bind("cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = bind("cuEventSynchronize", ADDRESS);
        cuEventElapsedTime = bind("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = bind("cuEventDestroy_v2", ADDRESS);
        cuGetErrorName = bind("cuGetErrorName", JAVA_INT, ADDRESS);
    }

    private MethodHandle bind(String name, java.lang.foreign.MemoryLayout... args) {
        MemorySegment fn =
                lib.find(name).orElseThrow(() -> new UnsupportedOperationException("CUDA driver lacks " + name));
        return LINKER.downcallHandle(fn, FunctionDescriptor.of(JAVA_INT, args));
    }

    private void check(Object result, String call) {
        int code = (int) result;
        if (code != 0) throw new CudaException(call + " failed: " + errorName(code) + " (" + code + ")");
    }

    String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            if ((int) cuGetErrorName.invoke(code, out) != 0) return "unknown error";
            return out.get(ADDRESS, 0).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "unknown error";
        }
    }

    void init() {
        call(() -> check(cuInit.invoke(0), "cuInit"));
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            call(() -> check(cuDeviceGetCount.invoke(n), "cuDeviceGetCount"));
            return n.get(JAVA_INT, 0);
        }
    }

    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(JAVA_INT);
            call(() -> check(cuDeviceGet.invoke(d, ordinal), "cuDeviceGet"));
            return d.get(JAVA_INT, 0);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(256);
            call(() -> check(cuDeviceGetName.invoke(s, 256, device), "cuDeviceGetName"));
            return s.getString(0);
        }
    }

    MemorySegment primaryContext(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ADDRESS);
            call(() -> check(cuDevicePrimaryCtxRetain.invoke(ctx, device), "cuDevicePrimaryCtxRetain"));
            return ctx.get(ADDRESS, 0);
        }
    }

    void setCurrent(MemorySegment ctx) {
        call(() -> check(cuCtxSetCurrent.invoke(ctx), "cuCtxSetCurrent"));
    }

    /** Loads a fatbin image (kept alive by the given arena) and returns the module handle. */
    MemorySegment loadModule(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mod = a.allocate(ADDRESS);
            call(() -> check(cuModuleLoadData.invoke(mod, image), "cuModuleLoadData"));
            return mod.get(ADDRESS, 0);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fn = a.allocate(ADDRESS);
            call(() -> check(
                    cuModuleGetFunction.invoke(fn, module, a.allocateFrom(name)), "cuModuleGetFunction(" + name + ")"));
            return fn.get(ADDRESS, 0);
        }
    }

    /** A stream that does not synchronise with the legacy default stream: all our work goes there, in order. */
    MemorySegment createStream() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(ADDRESS);
            call(() -> check(cuStreamCreate.invoke(st, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate"));
            return st.get(ADDRESS, 0);
        }
    }

    void synchronize(MemorySegment stream, String after) {
        call(() -> check(cuStreamSynchronize.invoke(stream), "cuStreamSynchronize after " + after));
    }

    void destroyStream(MemorySegment stream) {
        call(() -> check(cuStreamDestroy.invoke(stream), "cuStreamDestroy"));
    }

    void launch(
            MemorySegment function,
            String name,
            int gx,
            int gy,
            int gz,
            int block,
            int sharedBytes,
            MemorySegment stream,
            MemorySegment params) {
        call(() -> check(
                cuLaunchKernel.invoke(
                        function, gx, gy, gz, block, 1, 1, sharedBytes, stream, params, MemorySegment.NULL),
                "cuLaunchKernel(" + name + ", grid " + gx + "x" + gy + "x" + gz + ", block " + block + ", shared "
                        + sharedBytes + " B)"));
    }

    long alloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            call(() -> check(cuMemAlloc.invoke(p, bytes), "cuMemAlloc(" + bytes + " bytes)"));
            return p.get(JAVA_LONG, 0);
        }
    }

    void free(long ptr) {
        call(() -> check(cuMemFree.invoke(ptr), "cuMemFree"));
    }

    /** Queues a copy from pageable host memory; the driver has staged `src` when this returns, so it may be freed. */
    void copyToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        call(() -> check(cuMemcpyHtoD.invoke(dst, src, bytes, stream), "cuMemcpyHtoDAsync(" + bytes + " bytes)"));
    }

    /** Copies to host memory after the stream's earlier work, and waits for it. */
    void copyToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        call(() -> check(cuMemcpyDtoH.invoke(dst, src, bytes, stream), "cuMemcpyDtoHAsync(" + bytes + " bytes)"));
        synchronize(stream, "cuMemcpyDtoHAsync");
    }

    void fill32(long dst, int bits, long count, MemorySegment stream) {
        call(() -> check(cuMemsetD32.invoke(dst, bits, count, stream), "cuMemsetD32Async(" + count + " words)"));
    }

    MemorySegment createEvent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = a.allocate(ADDRESS);
            call(() -> check(cuEventCreate.invoke(e, 0), "cuEventCreate"));
            return e.get(ADDRESS, 0);
        }
    }

    void record(MemorySegment event, MemorySegment stream) {
        call(() -> check(cuEventRecord.invoke(event, stream), "cuEventRecord"));
    }

    /** Milliseconds between two recorded events (waits for the second). */
    float elapsed(MemorySegment start, MemorySegment end) {
        call(() -> check(cuEventSynchronize.invoke(end), "cuEventSynchronize"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            call(() -> check(cuEventElapsedTime.invoke(ms, start, end), "cuEventElapsedTime"));
            return ms.get(JAVA_FLOAT, 0);
        }
    }

    void destroyEvent(MemorySegment e) {
        call(() -> check(cuEventDestroy.invoke(e), "cuEventDestroy"));
    }

    private interface Call {
        void run() throws Throwable;
    }

    private static void call(Call c) {
        try {
            c.run();
        } catch (CudaException | UnsupportedOperationException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("CUDA driver call failed: " + t);
        }
    }
}
