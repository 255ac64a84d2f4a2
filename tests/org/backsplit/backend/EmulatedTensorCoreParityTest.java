package org.backsplit.backend;

import org.backsplit.Gpu;
import org.backsplit.backend.cuda.CudaBackend;

/**
 * The TF32 and BF16 convolutions on the CUDA emulator, whose mma.sync follows the PTX fragment layouts written in
 * kernels/mma.cuh: checks the warp tiling and fragment indexing of the kernels against those layouts, not the layouts
 * themselves (only a GPU can; CudaTensorCoreParityTest).
 */
class EmulatedTensorCoreParityTest extends TensorCoreParityContract {
    @Override
    CudaBackend cuda() {
        return Gpu.emulator();
    }
}
