package org.backsplit.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The CPU backend's parallel loop: every index once, failures surface, nested and concurrent loops complete. */
class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnceForAnyThreadCount() {
        for (int threads = 1; threads <= 4; threads++) {
            Parallel p = new Parallel(threads);
            for (int count : new int[] {1, 2, 3, 7, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(count);
                for (int rep = 0; rep < 20; rep++) p.forEach(count, hits::incrementAndGet);
                for (int i = 0; i < count; i++) assertEquals(20, hits.get(i), threads + " threads, index " + i);
            }
            p.close();
        }
    }

    @Test
    void aTaskFailureReachesTheCallerAsItself() {
        Parallel p = new Parallel(3);
        IllegalArgumentException bad = new IllegalArgumentException("label 7 outside [0,3)");
        IllegalArgumentException got = assertThrows(
                IllegalArgumentException.class,
                () -> p.forEach(100, i -> {
                    if (i == 57) throw bad;
                }));
        assertSame(bad, got);
        AtomicIntegerArray hits = new AtomicIntegerArray(10); // the pool still works afterwards
        p.forEach(10, hits::incrementAndGet);
        for (int i = 0; i < 10; i++) assertEquals(1, hits.get(i));
        p.close();
    }

    @Test
    void aLoopInsideATaskAndLoopsFromTwoThreadsComplete() throws InterruptedException {
        Parallel p = new Parallel(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(8 * 8);
        p.forEach(8, i -> p.forEach(8, j -> hits.incrementAndGet(i * 8 + j)));
        for (int i = 0; i < 64; i++) assertEquals(1, hits.get(i), "nested index " + i);

        AtomicIntegerArray a = new AtomicIntegerArray(5000), b = new AtomicIntegerArray(5000);
        Thread other = new Thread(() -> {
            for (int rep = 0; rep < 50; rep++) p.forEach(5000, b::incrementAndGet);
        });
        other.start();
        for (int rep = 0; rep < 50; rep++) p.forEach(5000, a::incrementAndGet);
        other.join();
        for (int i = 0; i < 5000; i++) {
            assertEquals(50, a.get(i));
            assertEquals(50, b.get(i));
        }
        p.close();
    }
}
