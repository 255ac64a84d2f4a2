package org.backsplit.tensor;

/**
 * A float32 tensor whose storage belongs to the backend that made it (a Java array on the CPU, device memory on a GPU).
 * Only that backend reads or writes the storage; everyone else moves data through the backend's upload and download.
 * The tensor knows nothing of backends: code that needs one is handed it.
 *
 * <p>Ownership: closing a tensor gives its storage back early; any later use fails, on every backend, so the rules the
 * GPU depends on are checked on every machine.
 */
public abstract class Tensor implements AutoCloseable {
    private final Shape shape;
    private boolean closed;

    protected Tensor(Shape shape) {
        this.shape = shape;
    }

    public final Shape shape() {
        return shape;
    }

    /** Closes once: a second close must not hand the storage back twice. */
    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        release();
    }

    /** Gives the storage back; called at most once, by {@link #close()}. */
    protected void release() {}

    /** Throws when the tensor was closed: the storage may already belong to another tensor. */
    protected final void requireOpen() {
        if (closed) throw new IllegalStateException("use of a closed tensor " + this);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + shape;
    }
}
