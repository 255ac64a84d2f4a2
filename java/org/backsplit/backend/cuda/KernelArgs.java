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
 * A kernel's arguments as cuLaunchKernel takes them: an array of pointers, each to one argument's bytes. Written only
 * by the generated CudaKernels, whose methods are typed as the kernels' parameters, so each value here has the width
 * its C type has. The driver copies the values at launch, so the arena closes right after.
 */
final class KernelArgs implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> values = new ArrayList<>();

    KernelArgs pointer(DevicePointer p) {
        values.add(arena.allocateFrom(JAVA_LONG, p.address()));
        return this;
    }

    KernelArgs i32(int v) {
        values.add(arena.allocateFrom(JAVA_INT, v));
        return this;
    }

    KernelArgs i64(long v) {
        values.add(arena.allocateFrom(JAVA_LONG, v));
        return this;
    }

    KernelArgs f32(float v) {
        values.add(arena.allocateFrom(JAVA_FLOAT, v));
        return this;
    }

    KernelArgs f64(double v) {
        values.add(arena.allocateFrom(JAVA_DOUBLE, v));
        return this;
    }

    KernelArgs geo(Geo g) {
        values.add(arena.allocateFrom(JAVA_INT, g.fields()));
        return this;
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
