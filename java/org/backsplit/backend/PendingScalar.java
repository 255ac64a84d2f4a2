package org.backsplit.backend;

/**
 * A number a backend has queued work for but not read back: {@link #get()} waits for that work (on a GPU, the stream up
 * to it) and returns it. Lets a training step run without a host round trip until the value is logged.
 */
@FunctionalInterface
public interface PendingScalar {
    double get();

    static PendingScalar of(double value) {
        return () -> value;
    }
}
