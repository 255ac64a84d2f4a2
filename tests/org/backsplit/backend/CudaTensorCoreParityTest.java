package org.backsplit.backend;

import org.backsplit.Gpu;
import org.backsplit.backend.cuda.CudaBackend;

/** The TF32 and BF16 convolutions on the GPU; skipped (not passed) where there is none. */
class CudaTensorCoreParityTest extends TensorCoreParityContract {
    @Override
    CudaBackend cuda() {
        return Gpu.require();
    }
}
