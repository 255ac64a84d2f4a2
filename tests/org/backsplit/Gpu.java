package org.backsplit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.backsplit.backend.cuda.CudaBackend;

/**
 * The GPU for the tests that need one: opened once per test JVM; a test that asks for it where there is
 * none is reported skipped (not passed), with the reason.
 */
public final class Gpu {
    private static CudaBackend cuda;
    private static String unavailable;
    private static boolean tried;

    private Gpu() {
    }

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
}
