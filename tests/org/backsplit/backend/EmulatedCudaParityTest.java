package org.backsplit.backend;

import org.backsplit.Gpu;

/**
 * {@link CudaBackendParityTest} with the CUDA backend on the emulator: the same kernel sources and Java launch code,
 * run on the CPU. It runs in CI, where there is no GPU; it verifies indexing, tiling, barriers and launch parameters,
 * not speed or GPU-only behaviour.
 */
class EmulatedCudaParityTest extends CudaBackendParityTest {
    @Override
    Backend candidateBackend() {
        return Gpu.emulator();
    }
}
