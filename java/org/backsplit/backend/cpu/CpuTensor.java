package org.backsplit.backend.cpu;

import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** A tensor of the CPU backend: one float array, row-major. */
final class CpuTensor extends Tensor {
    private final float[] data;
    private final CpuBackend backend;

    CpuTensor(CpuBackend backend, Shape shape, float[] data) {
        super(shape);
        if (data.length != shape.size()) throw new IllegalArgumentException(data.length + " values for shape " + shape);
        this.backend = backend;
        this.data = data;
    }

    /** Gives the array back to the backend's pool. */
    @Override
    protected void release() {
        backend.recycle(data);
    }

    float[] data() {
        requireOpen();
        return data;
    }
}
