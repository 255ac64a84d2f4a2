package org.backsplit.backend;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.cuda.CudaBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every CUDA op against the CPU backend, with the same cases and tolerances. Skipped (not passed) where
 * there is no GPU, no driver or no kernels in the build.
 */
class CudaBackendParityTest extends BackendParityContract {
    private static CudaBackend cuda;
    private static String unavailable;
    private static final CpuBackend CPU = new CpuBackend();

    @BeforeAll
    static void openGpu() {
        try {
            cuda = CudaBackend.open();
        } catch (UnsupportedOperationException e) {
            unavailable = e.getMessage();
        }
    }

    @AfterAll
    static void closeGpu() {
        if (cuda != null) cuda.close();
    }

    @Override
    Backend oracle() {
        return CPU;
    }

    @Override
    Backend candidate() {
        assumeTrue(cuda != null, "no CUDA here: " + unavailable); // each test reports skipped, not passed
        return cuda;
    }
}
