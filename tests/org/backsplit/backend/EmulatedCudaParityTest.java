package org.backsplit.backend;

import org.backsplit.Gpu;
import org.backsplit.backend.cpu.CpuBackend;

/**
 * Every CUDA op against the CPU backend as in {@link CudaBackendParityTest}, with the CUDA backend on the
 * emulator: the same kernel sources and Java launch code, run on the CPU. It runs in CI, where there is no
 * GPU; it verifies indexing, tiling, barriers and launch parameters, not speed or GPU-only behaviour.
 */
class EmulatedCudaParityTest extends BackendParityContract {
    private static final CpuBackend CPU = new CpuBackend();

    @Override
    Backend oracle() {
        return CPU;
    }

    @Override
    Backend candidate() {
        return Gpu.emulator();
    }
}
