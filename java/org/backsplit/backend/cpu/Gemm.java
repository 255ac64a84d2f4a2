package org.backsplit.backend.cpu;

import jdk.incubator.vector.VectorMask;

/**
 * Single-threaded float GEMM, C[M][N] (+)= A[M][K] * B[K][N], row-major with leading dimensions: the direct kernel with
 * a single tap. Callers parallelise over row tiles. K is blocked so a panel of B stays in cache while the rows of a
 * tile pass over it.
 */
final class Gemm {
    private static final int KC = 256;
    private static final int[] ZERO = {0};

    private Gemm() {}

    static void multiply(
            int m,
            int n,
            int k,
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int ldb,
            float[] c,
            int cOff,
            int ldc,
            boolean accumulate) {
        VectorMask<Float> tail = DirectConv.tailMask(n);
        if (k == 0) {
            if (!accumulate)
                for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            DirectConv.block(
                    m,
                    1,
                    ZERO,
                    new int[] {bOff + k0 * ldb},
                    kc,
                    a,
                    aOff + k0,
                    lda,
                    b,
                    ldb,
                    n,
                    tail,
                    c,
                    cOff,
                    ldc,
                    accumulate || k0 > 0);
        }
    }

    /** out[j][i] = in[i][j] for a rows x cols block (leading dimensions given). */
    static void transpose(int rows, int cols, float[] in, int inOff, int ldIn, float[] out, int outOff, int ldOut) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) out[outOff + j * ldOut + i] = in[inOff + i * ldIn + j];
        }
    }
}
