package org.backsplit.backend.cpu;

import org.backsplit.backend.Backend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** A tensor of the CPU backend: one float array, row-major. */
final class CpuTensor extends Tensor {
    final float[] data;
    private final CpuBackend backend;

    CpuTensor(CpuBackend backend, Shape shape, float[] data) {
        super(shape);
        if (data.length != shape.size()) throw new IllegalArgumentException(data.length + " values for shape " + shape);
        this.backend = backend;
        this.data = data;
    }

    @Override
    public Backend backend() {
        return backend;
    }
}
