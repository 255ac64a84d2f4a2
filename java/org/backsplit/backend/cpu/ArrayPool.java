package org.backsplit.backend.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuses the float arrays of closed tensors. A fresh 67 MB array costs the JVM page faults that take longer than the
 * operation writing it; a training step allocates the same sizes every iteration, so after the first step its outputs
 * come from here. Small arrays are left to the allocator (cheap in the TLAB), and the pool holds at most a quarter of
 * the heap.
 *
 * <p>{@link #dirty} hands out arrays with undefined contents, for operations that write every element. With the system
 * property backsplit.poison=true (the test suite sets it) they are filled with NaN instead, so an operation that leaves
 * an element unwritten shows up in every parity test.
 */
final class ArrayPool {
    static final int MIN_LENGTH = 1 << 16;
    private static final boolean POISON = Boolean.getBoolean("backsplit.poison");

    private final long capacityBytes = Runtime.getRuntime().maxMemory() / 4;
    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private long pooledBytes;

    /** An array of n zeros. */
    float[] zeroed(int n) {
        float[] a = reuse(n);
        if (a == null) return new float[n];
        Arrays.fill(a, 0f);
        return a;
    }

    /** An array of n floats with undefined contents (NaN when poisoning): the caller writes every element. */
    float[] dirty(int n) {
        float[] a = reuse(n);
        if (a == null) a = new float[n];
        if (POISON) Arrays.fill(a, Float.NaN);
        return a;
    }

    private synchronized float[] reuse(int n) {
        if (n < MIN_LENGTH) return null;
        ArrayDeque<float[]> list = free.get(n);
        if (list == null || list.isEmpty()) return null;
        pooledBytes -= 4L * n;
        return list.pop();
    }

    synchronized void give(float[] a) {
        if (a.length < MIN_LENGTH || pooledBytes + 4L * a.length > capacityBytes) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        pooledBytes += 4L * a.length;
    }
}
