package org.backsplit.backend;

import org.backsplit.Gpu;
import org.backsplit.backend.cpu.CpuBackend;

/**
 * Every CUDA op against the CPU backend, with the same cases and tolerances. Skipped (not passed) where there is no
 * GPU, no driver or no kernels in the build; {@link EmulatedCudaParityTest} runs the same on the CUDA emulator.
 */
class CudaBackendParityTest extends BackendParityContract {
    private static final CpuBackend CPU = new CpuBackend();

    @Override
    Backend oracleBackend() {
        return CPU;
    }

    @Override
    Backend candidateBackend() {
        return Gpu.require();
    }
}
