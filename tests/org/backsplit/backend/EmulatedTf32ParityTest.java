package org.backsplit.backend;

import org.backsplit.Gpu;
import org.backsplit.backend.cuda.CudaBackend;

/**
 * The TF32 convolutions on the CUDA emulator, whose mma.sync follows the PTX fragment layout written in
 * kernels/mma.cuh: checks the warp tiling and fragment indexing of the kernels against that layout, not the layout
 * itself (only a GPU can; CudaTf32ParityTest).
 */
class EmulatedTf32ParityTest extends Tf32ParityContract {
    @Override
    CudaBackend cuda() {
        return Gpu.emulator();
    }
}
