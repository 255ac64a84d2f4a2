package org.backsplit.backend.cuda;

import java.lang.ref.Cleaner;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * A float32 tensor in device memory; closing it returns the block to the backend's caching allocator. Code that follows
 * the ownership rules closes every tensor; one that is dropped unclosed is returned when the garbage collector finds it
 * (the allocator also asks for a collection before it reports out of memory).
 */
final class CudaTensor extends Tensor implements DevicePointer {
    private static final Cleaner CLEANER = Cleaner.create();

    private final long ptr;
    private final Cleaner.Cleanable cleanable;

    /** Returns the block; holds no reference to the tensor, so the tensor can become unreachable. */
    private record Release(CudaRuntime runtime, long ptr, long bytes) implements Runnable {
        @Override
        public void run() {
            runtime.release(ptr, bytes);
        }
    }

    CudaTensor(CudaRuntime runtime, Shape shape, long ptr) {
        super(shape);
        this.ptr = ptr;
        this.cleanable = CLEANER.register(this, new Release(runtime, ptr, Math.max(4L, 4L * shape.numel())));
    }

    long ptr() {
        requireOpen();
        return ptr;
    }

    @Override
    public long address() {
        return ptr();
    }

    @Override
    protected void release() {
        cleanable.clean(); // runs the release at most once, whether from here or from the collector
    }
}
