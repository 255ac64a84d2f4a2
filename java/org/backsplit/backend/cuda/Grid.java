package org.backsplit.backend.cuda;

/**
 * A kernel's launch shape: blocks along x, y, z, threads per block, dynamic shared memory in bytes. A grid with no
 * blocks launches nothing (an empty tensor).
 */
record Grid(int x, int y, int z, int block, int sharedBytes) {
    /** Threads per block of the element-wise and reduction kernels. */
    static final int BLOCK = 256;

    /** A grid-stride launch over n elements: one thread each, at most 65,536 blocks. */
    static Grid elementwise(long n) {
        return new Grid((int) Math.min((n + BLOCK - 1) / BLOCK, 65536), 1, 1, BLOCK, 0);
    }

    /** `blocks` blocks of BLOCK threads, each with BLOCK doubles of shared memory (for block_sum). */
    static Grid reducing(int blocks, int y) {
        return new Grid(blocks, y, 1, BLOCK, BLOCK * 8);
    }

    /** One thread per item, in blocks of BLOCK. */
    static Grid perItem(long items) {
        return new Grid((int) ((items + BLOCK - 1) / BLOCK), 1, 1, BLOCK, 0);
    }

    boolean empty() {
        return x == 0 || y == 0 || z == 0;
    }

    @Override
    public String toString() {
        return "grid " + x + "x" + y + "x" + z + ", block " + block;
    }
}
