package org.backsplit.train;

import org.backsplit.Gpu;
import org.backsplit.backend.cuda.CudaBackend;

/** {@link CudaTrainingTest} with the CUDA backend on the emulator (the CPU): runs in CI, where there is no GPU. */
class EmulatedCudaTrainingTest extends CudaTrainingTest {
    @Override
    CudaBackend cuda() {
        return Gpu.emulator();
    }
}
