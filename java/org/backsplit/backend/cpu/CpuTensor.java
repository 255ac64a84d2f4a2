package org.backsplit.backend.cpu;

import org.backsplit.backend.Backend;
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

    private boolean closed;

    @Override
    public Backend backend() {
        return backend;
    }

    /**
     * Marks the tensor dead and gives its array back to the backend's pool. The flag makes any later use fail,
     * so the ownership rules that the GPU depends on are checked on every machine.
     */
    @Override
    public void close() {
        if (closed) return; // a second close must not hand the array out twice
        closed = true;
        backend.recycle(data);
    }

    float[] data() {
        if (closed) throw new IllegalStateException("use of a closed tensor " + shape());
        return data;
    }
}
