package org.backsplit.backend.cpu;

/**
 * Per-thread scratch arrays for the transposed convolution's gathered tiles and GEMM outputs, grown on demand and
 * reused, so the hot loops allocate nothing. Each thread owns two slots because a tile needs a gathered operand and an
 * output.
 */
final class Scratch {
    private static final ThreadLocal<float[][]> SLOTS = ThreadLocal.withInitial(() -> new float[2][0]);

    private Scratch() {}

    /** A thread-local array of at least `size` floats; slot 0 or 1. Contents are undefined. */
    static float[] get(int slot, int size) {
        float[][] slots = SLOTS.get();
        if (slots[slot].length < size) slots[slot] = new float[Math.max(size, slots[slot].length * 3 / 2)];
        return slots[slot];
    }
}
