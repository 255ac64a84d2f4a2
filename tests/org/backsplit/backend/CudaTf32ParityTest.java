package org.backsplit.backend;

import org.backsplit.Gpu;
import org.backsplit.backend.cuda.CudaBackend;

/** The TF32 convolutions on the GPU; skipped (not passed) where there is none. */
class CudaTf32ParityTest extends Tf32ParityContract {
    @Override
    CudaBackend cuda() {
        return Gpu.require();
    }
}
