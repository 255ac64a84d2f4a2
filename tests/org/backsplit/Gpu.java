package org.backsplit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.backend.cuda.CudaBackend;

/**
 * The CUDA backends for the tests: the GPU, and the same backend and kernels on the CUDA emulator (the CPU;
 * native/cuda-emulator, built with the kernels). Each is opened once per test JVM; a test that asks for one where there
 * is none is reported skipped (not passed), with the reason.
 */
public final class Gpu {
    private static CudaBackend cuda, emulated;
    private static String unavailable, emulatorUnavailable;
    private static boolean tried, triedEmulator;

    private Gpu() {}

    public static synchronized CudaBackend require() {
        if (!tried) {
            tried = true;
            try {
                cuda = CudaBackend.open();
            } catch (UnsupportedOperationException e) {
                unavailable = e.getMessage();
            }
        }
        assumeTrue(cuda != null, "no CUDA here: " + unavailable);
        return cuda;
    }

    /** The CUDA backend on the emulator: checks the kernels' logic and the launches, not GPU behaviour or speed. */
    public static synchronized CudaBackend emulator() {
        if (!triedEmulator) {
            triedEmulator = true;
            String library = System.getProperty("backsplit.cuda.emulator");
            if (library == null || !Files.exists(Path.of(library))) {
                emulatorUnavailable = "the CUDA emulator was not built (" + library + "): no CMake or C++ compiler";
            } else {
                try {
                    emulated = CudaBackend.open(library);
                } catch (UnsupportedOperationException e) {
                    emulatorUnavailable = e.getMessage();
                }
            }
        }
        assumeTrue(emulated != null, "no CUDA emulator: " + emulatorUnavailable);
        return emulated;
    }
}
