package org.backsplit.util;

import java.util.function.Supplier;

/** A value computed on the first get() and kept: for results a GPU leaves on the device until they are read. */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> compute;
    private T value;

    private Lazy(Supplier<T> compute) {
        this.compute = compute;
    }

    public static <T> Lazy<T> of(Supplier<T> compute) {
        return new Lazy<>(compute);
    }

    @Override
    public synchronized T get() {
        if (value == null) value = compute.get();
        return value;
    }
}
