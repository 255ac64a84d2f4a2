package org.backsplit.backend.device;

import java.io.PrintStream;
import org.backsplit.backend.Backend;
import org.backsplit.backend.Precision;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.cuda.CudaBackend;

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

    private static Backend cpu(Integer threads) {
        return threads == null ? new CpuBackend() : new CpuBackend(threads);
    }
}
