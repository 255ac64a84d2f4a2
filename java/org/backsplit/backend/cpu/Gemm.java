package org.backsplit.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-threaded float GEMM, C[M][N] (+)= A[M][K] * B[K][N], all row-major with leading dimensions.
 * Callers parallelise over row tiles. The micro-kernel keeps a 4-row by 2-vector block of C in registers
 * and streams one row of B per step (the BLIS outer-product form); K is blocked so a panel of B stays in
 * cache while the rows of a tile pass over it. Summation order over K is fixed: results are deterministic.
 */
final class Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int KC = 256;

    private Gemm() {
    }

    static void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, boolean accumulate) {
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            boolean load = accumulate || k0 > 0;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                int j = 0;
                for (; j + 2 * L <= n; j += 2 * L) {
                    rows4x2(kc, a, aOff + i * lda + k0, lda, b, bOff + k0 * ldb + j, ldb, c, cOff + i * ldc + j, ldc, load);
                }
                for (; j < n; j += L) {
                    rows4x1(kc, a, aOff + i * lda + k0, lda, b, bOff + k0 * ldb + j, ldb, c, cOff + i * ldc + j, ldc, load,
                            S.indexInRange(j, n));
                }
            }
            for (; i < m; i++) {
                for (int j = 0; j < n; j += L) {
                    row1(kc, a, aOff + i * lda + k0, b, bOff + k0 * ldb + j, ldb, c, cOff + i * ldc + j, load, S.indexInRange(j, n));
                }
            }
        }
    }

    private static void rows4x2(int kc, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
                                boolean load) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        if (load) {
            c00 = FloatVector.fromArray(S, c, ci);
            c01 = FloatVector.fromArray(S, c, ci + L);
            c10 = FloatVector.fromArray(S, c, ci + ldc);
            c11 = FloatVector.fromArray(S, c, ci + ldc + L);
            c20 = FloatVector.fromArray(S, c, ci + 2 * ldc);
            c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + L);
            c30 = FloatVector.fromArray(S, c, ci + 3 * ldc);
            c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + L);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(S);
        }
        int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda;
        for (int p = 0; p < kc; p++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector v = FloatVector.broadcast(S, a[ai + p]);
            c00 = v.fma(b0, c00);
            c01 = v.fma(b1, c01);
            v = FloatVector.broadcast(S, a[a1 + p]);
            c10 = v.fma(b0, c10);
            c11 = v.fma(b1, c11);
            v = FloatVector.broadcast(S, a[a2 + p]);
            c20 = v.fma(b0, c20);
            c21 = v.fma(b1, c21);
            v = FloatVector.broadcast(S, a[a3 + p]);
            c30 = v.fma(b0, c30);
            c31 = v.fma(b1, c31);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
    }

    private static void rows4x1(int kc, float[] a, int ai, int lda, float[] b, int bi, int ldb, float[] c, int ci, int ldc,
                                boolean load, VectorMask<Float> mask) {
        FloatVector c0, c1, c2, c3;
        if (load) {
            c0 = FloatVector.fromArray(S, c, ci, mask);
            c1 = FloatVector.fromArray(S, c, ci + ldc, mask);
            c2 = FloatVector.fromArray(S, c, ci + 2 * ldc, mask);
            c3 = FloatVector.fromArray(S, c, ci + 3 * ldc, mask);
        } else {
            c0 = c1 = c2 = c3 = FloatVector.zero(S);
        }
        int a1 = ai + lda, a2 = ai + 2 * lda, a3 = ai + 3 * lda;
        for (int p = 0; p < kc; p++, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi, mask);
            c0 = FloatVector.broadcast(S, a[ai + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[a1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[a2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[a3 + p]).fma(b0, c3);
        }
        c0.intoArray(c, ci, mask);
        c1.intoArray(c, ci + ldc, mask);
        c2.intoArray(c, ci + 2 * ldc, mask);
        c3.intoArray(c, ci + 3 * ldc, mask);
    }

    private static void row1(int kc, float[] a, int ai, float[] b, int bi, int ldb, float[] c, int ci, boolean load,
                             VectorMask<Float> mask) {
        FloatVector c0 = load ? FloatVector.fromArray(S, c, ci, mask) : FloatVector.zero(S);
        for (int p = 0; p < kc; p++, bi += ldb) {
            c0 = FloatVector.broadcast(S, a[ai + p]).fma(FloatVector.fromArray(S, b, bi, mask), c0);
        }
        c0.intoArray(c, ci, mask);
    }

    /** out[j][i] = in[i][j] for an rows x cols block (leading dimensions given). */
    static void transpose(int rows, int cols, float[] in, int inOff, int ldIn, float[] out, int outOff, int ldOut) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) out[outOff + j * ldOut + i] = in[inOff + i * ldIn + j];
        }
    }
}
