package org.backsplit.backend.device;

import java.io.PrintStream;
import org.backsplit.backend.Backend;
import org.backsplit.backend.Precision;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.cuda.CudaBackend;
import org.backsplit.backend.reference.ReferenceBackend;

/**
 * Opens the backend a run asked for: the device (`auto`, `cpu` or `cuda`), the CPU threads and the convolution
 * precision, chosen here and nowhere else. `auto` takes CUDA when a driver and a GPU are present and says which it
 * chose; an explicit `cuda` on a machine without one fails loudly, never silently on the CPU; a precision the chosen
 * device cannot compute in is an error, not a quiet fp32.
 */
public final class Devices {
    private Devices() {}

    /** The CPU or the GPU, in fp32. */
    public static Backend open(String device, Integer cpuThreads, PrintStream log) {
        return open(device, cpuThreads, Precision.FP32, log);
    }

    public static Backend open(String device, Integer cpuThreads, Precision precision, PrintStream log) {
        Backend backend = switch (device) {
            case "cpu" -> cpu(cpuThreads);
            case "cuda" -> {
                try {
                    yield CudaBackend.open(precision);
                } catch (UnsupportedOperationException e) {
                    throw new IllegalStateException("--device cuda: " + e.getMessage());
                }
            }
            case "auto" -> {
                try {
                    Backend gpu = CudaBackend.open(precision);
                    log.println("device: " + gpu.name());
                    yield gpu;
                } catch (UnsupportedOperationException e) {
                    Backend cpu = cpu(cpuThreads);
                    log.println("device: " + cpu.name() + " (no CUDA: " + e.getMessage() + ")");
                    yield cpu;
                }
            }
            default -> throw new IllegalArgumentException("--device must be auto, cpu or cuda, not '" + device + "'");
        };
        if (precision != Precision.FP32 && !(backend instanceof CudaBackend)) {
            String why = precision == Precision.TF32
                    ? "--tf32 needs the CUDA backend (so does --precision tf32)"
                    : "--precision " + precision.flagValue() + " needs the CUDA backend";
            throw new IllegalArgumentException(why + "; this run is on " + backend.name());
        }
        return backend;
    }

    /**
     * The CPU backend, or, when the JVM was started without the Vector API module its kernels are written with
     * (--add-modules jdk.incubator.vector), the plain reference backend: the same operations in scalar double
     * precision, single-threaded and many times slower, so that a program that forgot the flag still computes the same
     * results (to float rounding) rather than dying on a missing class. Said once per process.
     */
    private static Backend cpu(Integer threads) {
        if (!vectorApiAvailable()) {
            if (!toldAboutVectorApi.getAndSet(true)) {
                System.err.println(
                        "backsplit: the JVM runs without the Vector API (jdk.incubator.vector), which the fast"
                                + " CPU kernels use: computing on the scalar reference path instead, correct but many times"
                                + " slower. For the fast path start java with --add-modules jdk.incubator.vector");
            }
            return new ReferenceBackend();
        }
        return threads == null ? new CpuBackend() : new CpuBackend(threads);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean toldAboutVectorApi =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Whether the fast CPU kernels can load: the incubating Vector API module is in the boot layer. */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }
}
