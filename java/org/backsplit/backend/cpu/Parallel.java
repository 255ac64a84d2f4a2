package org.backsplit.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Runs independent tasks on all cores. Every task writes its own outputs and reductions are split into a fixed number
 * of slices summed in order, so results never depend on scheduling or core count.
 */
final class Parallel {
    private final ForkJoinPool pool;

    Parallel(int threads) {
        this.pool = new ForkJoinPool(threads);
    }

    void close() {
        pool.shutdown();
    }

    int threads() {
        return pool.getParallelism();
    }

    void forEach(int count, IntConsumer task) {
        if (count <= 0) return;
        if (count == 1 || pool.getParallelism() == 1) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        pool.submit(() -> IntStream.range(0, count).parallel().forEach(task)).join();
    }

    /** Splits [0, total) into `slices` contiguous ranges of near-equal size; returns the start of slice i. */
    static int sliceStart(int total, int slices, int i) {
        return (int) ((long) total * i / slices);
    }
}
