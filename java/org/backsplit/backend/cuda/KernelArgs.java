package org.backsplit.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A kernel's arguments as cuLaunchKernel takes them: an array of pointers, each to one argument's bytes.
 * Java types map to C types by their width: Integer to int, Long to long long, Float to float, Double to
 * double, {@link Ptr} to a device pointer, int[] to a struct of ints. The driver copies the values at
 * launch, so the arena closes right after.
 */
final class KernelArgs implements AutoCloseable {
    /** A device pointer argument (0 for NULL). */
    record Ptr(long address) {
    }

    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> values = new ArrayList<>();

    KernelArgs(Object... args) {
        for (Object a : args) {
            MemorySegment s;
            switch (a) {
                case Ptr p -> s = arena.allocateFrom(JAVA_LONG, p.address());
                case CudaTensor t -> s = arena.allocateFrom(JAVA_LONG, t.ptr());
                case CudaChannelPair t -> s = arena.allocateFrom(JAVA_LONG, t.joined().ptr());
                case Integer i -> s = arena.allocateFrom(JAVA_INT, i);
                case Long l -> s = arena.allocateFrom(JAVA_LONG, l);
                case Float f -> s = arena.allocateFrom(JAVA_FLOAT, f);
                case Double d -> s = arena.allocateFrom(JAVA_DOUBLE, d);
                case int[] struct -> s = arena.allocateFrom(JAVA_INT, struct);
                case null -> s = arena.allocateFrom(JAVA_LONG, 0L);
                default -> throw new IllegalArgumentException("unsupported kernel argument " + a.getClass());
            }
            values.add(s);
        }
    }

    MemorySegment array() {
        MemorySegment arr = arena.allocate(ADDRESS, Math.max(1, values.size()));
        for (int i = 0; i < values.size(); i++) arr.setAtIndex(ADDRESS, i, values.get(i));
        return arr;
    }

    @Override
    public void close() {
        arena.close();
    }
}
