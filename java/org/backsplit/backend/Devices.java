package org.backsplit.backend;

import java.io.PrintStream;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.cuda.CudaBackend;

/**
 * Chooses the backend for `--device auto|cpu|cuda`. `auto` takes CUDA when a driver and a GPU are present and
 * says which it chose; an explicit `cuda` on a machine without one fails loudly, never silently on the CPU.
 */
public final class Devices {
    private Devices() {
    }

    public static Backend open(String device, Integer cpuThreads, PrintStream log) {
        return switch (device) {
            case "cpu" -> cpu(cpuThreads);
            case "cuda" -> {
                try {
                    yield CudaBackend.open();
                } catch (UnsupportedOperationException e) {
                    throw new IllegalStateException("--device cuda: " + e.getMessage());
                }
            }
            case "auto" -> {
                Backend b;
                try {
                    b = CudaBackend.open();
                } catch (UnsupportedOperationException e) {
                    b = cpu(cpuThreads);
                    log.println("device: " + b.name() + " (no CUDA: " + e.getMessage() + ")");
                    yield b;
                }
                log.println("device: " + b.name());
                yield b;
            }
            default -> throw new IllegalArgumentException("--device must be auto, cpu or cuda, not '" + device + "'");
        };
    }

    private static Backend cpu(Integer threads) {
        return threads == null ? new CpuBackend() : new CpuBackend(threads);
    }
}
