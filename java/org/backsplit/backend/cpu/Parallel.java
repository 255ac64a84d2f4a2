package org.backsplit.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Runs independent tasks on all cores. Every task writes its own outputs and reductions are split into a fixed number
 * of slices summed in order, so results never depend on scheduling or core count.
 *
 * <p>A training step is hundreds of parallel loops of a few milliseconds or less, back to back. So the calling thread
 * takes tasks itself (no hand-over before work starts), and the threads-1 helpers keep polling for the next loop for a
 * while before they park: a parked thread takes long to wake on a virtual machine, long enough that a fork-join pool
 * ran most of each loop on one core. Tasks are handed out in runs of consecutive indices (neighbouring rows of a
 * convolution share their inputs in the cache), about 8 runs per thread, so that tasks of unequal cost still balance. A
 * loop started while another runs (a task's own loop, or a second thread using the same backend) runs on its caller
 * alone.
 */
final class Parallel {
    /**
     * How long an idle helper polls for the next loop before it parks: longer than the serial stretches of a step (the
     * optimizer, the loss's reductions), so the first loop after them does not start on one core. OpenMP runtimes do
     * the same (Intel's spins 200 ms by default).
     */
    private static final long SPIN_NANOS = 10_000_000;

    private final int threads;
    private final Helper[] helpers;
    private final AtomicBoolean busy = new AtomicBoolean();

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        helpers = new Helper[this.threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper("backsplit-cpu-" + (i + 1));
            helpers[i].start();
        }
    }

    void close() {
        for (Helper h : helpers) h.shutdown();
    }

    int threads() {
        return threads;
    }

    void forEach(int count, IntConsumer task) {
        if (count <= 0) return;
        if (count == 1 || threads == 1 || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        try {
            Loop loop = new Loop(count, task, Thread.currentThread(), threads);
            int used = Math.min(helpers.length, count - 1);
            loop.pending.set(used);
            for (int h = 0; h < used; h++) helpers[h].give(loop);
            loop.work();
            loop.awaitHelpers();
            loop.rethrow();
        } finally {
            busy.set(false);
        }
    }

    /**
     * One step of a polling wait. Every 64th gives the core away: with more threads than cores (a --threads above the
     * core count) a thread that only polls would otherwise hold the core the thread it waits for needs.
     */
    private static void pause(int spins) {
        if ((spins & 63) == 0) Thread.yield();
        else Thread.onSpinWait();
    }

    /** Splits [0, total) into `slices` contiguous ranges of near-equal size; returns the start of slice i. */
    static int sliceStart(int total, int slices, int i) {
        return (int) ((long) total * i / slices);
    }

    /** One parallel loop: the next index to hand out, the helpers still working, the first failure. */
    private static final class Loop {
        final int count;
        final int grain;
        final IntConsumer task;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger pending = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Loop(int count, IntConsumer task, Thread caller, int threads) {
            this.count = count;
            // runs of consecutive tasks (neighbouring rows share their inputs in cache), still 8 per thread to balance
            this.grain = Math.max(1, count / (8 * threads));
            this.task = task;
            this.caller = caller;
        }

        void work() {
            for (int from = next.getAndAdd(grain); from < count; from = next.getAndAdd(grain)) {
                if (failure.get() != null) return;
                try {
                    for (int i = from, to = Math.min(count, from + grain); i < to; i++) task.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    return;
                }
            }
        }

        void helperDone() {
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }

        void awaitHelpers() {
            long t0 = System.nanoTime();
            for (int spins = 1; pending.get() > 0; spins++) {
                if (System.nanoTime() - t0 < SPIN_NANOS) pause(spins);
                else LockSupport.park(this);
            }
        }

        void rethrow() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    private static final class Helper extends Thread {
        private volatile Loop next;
        private volatile boolean stop;

        Helper(String name) {
            super(name);
            setDaemon(true);
        }

        void give(Loop loop) {
            next = loop;
            LockSupport.unpark(this);
        }

        void shutdown() {
            stop = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (!stop) {
                Loop loop = next;
                long t0 = System.nanoTime();
                for (int spins = 1; loop == null && !stop && System.nanoTime() - t0 < SPIN_NANOS; spins++) {
                    pause(spins);
                    loop = next;
                }
                if (loop == null) {
                    LockSupport.park(this);
                    continue;
                }
                next = null;
                loop.work();
                loop.helperDone();
            }
        }
    }
}
