package org.backsplit.tensor;

import org.backsplit.backend.Backend;

/**
 * A float32 tensor whose storage belongs to a backend (a Java array on the CPU, device memory on a GPU).
 * Only its backend reads or writes the storage; everyone else moves data through
 * {@link Backend#upload} and {@link Backend#download}.
 */
public abstract class Tensor implements AutoCloseable {
    private final Shape shape;

    protected Tensor(Shape shape) {
        this.shape = shape;
    }

    public final Shape shape() {
        return shape;
    }

    public abstract Backend backend();

    /** Returns the storage to its backend early; on the CPU the garbage collector does this anyway. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + shape;
    }
}
