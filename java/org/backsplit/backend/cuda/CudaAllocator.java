package org.backsplit.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching device-memory allocator: freed blocks go to a free list keyed by their (rounded) size and are handed out
 * again, so a training step, which allocates the same sizes every iteration, never calls cuMemAlloc after the first
 * one. Memory returns to the driver only when the backend closes.
 */
final class CudaAllocator {
    private static final long GRANULE = 512;

    private final CudaDriver driver;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long driverAllocations;
    private long inUse;
    private long peakInUse;

    CudaAllocator(CudaDriver driver) {
        this.driver = driver;
    }

    static long rounded(long bytes) {
        return Math.max(GRANULE, (bytes + GRANULE - 1) / GRANULE * GRANULE);
    }

    long allocate(long bytes) {
        long size = rounded(bytes);
        Long cached = takeCached(size);
        if (cached != null) return cached;
        try {
            return allocateNew(size);
        } catch (CudaException e) {
            if (!e.getMessage().contains("OUT_OF_MEMORY")) throw e;
            // Tensors dropped without close() come back through the collector; cached blocks of other sizes go
            // back to the driver; then one more try.
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            cached = takeCached(size);
            if (cached != null) return cached;
            releaseAll();
            return allocateNew(size);
        }
    }

    private synchronized Long takeCached(long size) {
        ArrayDeque<Long> list = free.get(size);
        if (list == null || list.isEmpty()) return null;
        long ptr = list.pop();
        inUse += size;
        peakInUse = Math.max(peakInUse, inUse);
        return ptr;
    }

    private synchronized long allocateNew(long size) {
        long ptr = driver.alloc(size);
        driverAllocations++;
        inUse += size;
        peakInUse = Math.max(peakInUse, inUse);
        return ptr;
    }

    synchronized void release(long ptr, long bytes) {
        long size = rounded(bytes);
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(ptr);
        inUse -= size;
    }

    synchronized long driverAllocations() {
        return driverAllocations;
    }

    synchronized long peakBytesInUse() {
        return peakInUse;
    }

    /** Returns every cached (free) block to the driver. */
    synchronized void releaseAll() {
        for (ArrayDeque<Long> list : free.values()) for (long p : list) driver.free(p);
        free.clear();
    }
}
