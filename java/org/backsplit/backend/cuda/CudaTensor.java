package org.backsplit.backend.cuda;

import org.backsplit.backend.Backend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** A float32 tensor in device memory; closing it returns the block to the backend's caching allocator. */
final class CudaTensor extends Tensor {
    private final CudaBackend backend;
    private final long ptr;
    private boolean closed;

    CudaTensor(CudaBackend backend, Shape shape, long ptr) {
        super(shape);
        this.backend = backend;
        this.ptr = ptr;
    }

    long ptr() {
        if (closed) throw new IllegalStateException("use of a closed CUDA tensor " + shape());
        return ptr;
    }

    long bytes() {
        return 4L * shape().numel();
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public void close() {
        if (closed) return; // a second close must not hand the block out twice
        closed = true;
        backend.release(ptr, bytes());
    }
}
