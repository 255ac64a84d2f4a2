package org.backsplit.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one register-blocked kernel behind every CPU convolution pass and GEMM:
 *
 * <pre>
 *   out[outBase + i*outStride + j] (+)= sum over taps t, then reduction index c, of
 *       a[aBase + i*aStride + tapOffset[t] + c] * w[weightOffset[t] + c*ldw + j]      (i < rows, j < n)
 * </pre>
 *
 * Direct convolution reads its operands in place through the offsets (no im2col copy): rows are voxels along x
 * (forward, backward-data) or output channels (weight gradient), taps are kernel taps, c runs over channels or voxels.
 * A GEMM is one tap. Four rows by two vectors of outputs stay in registers across the whole reduction, so each loaded
 * weight vector feeds 4 FMAs and each input value 2. Columns go in 2-vector steps, then one vector, then (on 16-lane
 * machines) one 8-lane vector, then a masked remainder, so output widths 8, 16, 24, 32, ... never touch a mask. Outputs
 * exactly one vector wide (8 or 16 channels, the thin layers at full resolution) take 8 rows at a time instead, and 24
 * (a vector and a half) 4 rows of both: 8 independent sums either way, enough to keep two FMA pipes busy. Callers pass
 * whole runs of rows and make the reduction as long as the memory allows (a convolution's x-taps run into each other).
 * Summation order is fixed: deterministic. Accumulating into out adds the block's own sum to what out holds, at the
 * end. The caller guarantees every listed tap lies inside the input for every row of the block.
 */
final class DirectConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** 8 lanes, for output widths that leave half a 16-lane vector. */
    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;

    private DirectConv() {}

    /** The mask for the last, partial vector of a row of n outputs (null when none is needed). */
    static VectorMask<Float> tailMask(int n) {
        int full = n / L * L;
        if (L > 8 && n - full >= 8) full += 8;
        return full == n ? null : S.indexInRange(full, n);
    }

    static void block(
            int rows,
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            int n,
            VectorMask<Float> tail,
            float[] out,
            int outBase,
            int outStride,
            boolean accumulate) {
        int i = 0;
        // Outputs one vector wide (or a vector and a half) would leave 4 accumulators: too few to cover the FMA
        // latency of two pipes. These shapes take 8 rows (or 4 rows of 1.5 vectors) at a time: 8 independent sums.
        if (L > 8 && n == 8) {
            for (int r0 = next(i, rows, 8, accumulate); r0 >= 0; r0 = next(i, rows, 8, accumulate)) {
                rows8x8(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        aBase + r0 * aStride,
                        aStride,
                        w,
                        ldw,
                        out,
                        outBase + r0 * outStride,
                        outStride,
                        accumulate);
                i = r0 + 8;
            }
        } else if (n == L) {
            for (int r0 = next(i, rows, 8, accumulate); r0 >= 0; r0 = next(i, rows, 8, accumulate)) {
                rows8x1(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        aBase + r0 * aStride,
                        aStride,
                        w,
                        ldw,
                        out,
                        outBase + r0 * outStride,
                        outStride,
                        accumulate);
                i = r0 + 8;
            }
        } else if (L > 8 && n == L + 8) {
            for (int r0 = next(i, rows, 4, accumulate); r0 >= 0; r0 = next(i, rows, 4, accumulate)) {
                i = r0 + 4;
                rows4x1and8(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        aBase + r0 * aStride,
                        aStride,
                        w,
                        ldw,
                        out,
                        outBase + r0 * outStride,
                        outStride,
                        accumulate);
            }
        }
        for (int r0 = next(i, rows, 4, accumulate); r0 >= 0; r0 = next(i, rows, 4, accumulate)) {
            i = r0 + 4;
            int ab = aBase + r0 * aStride, ob = outBase + r0 * outStride;
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L)
                rows4x2(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        ab,
                        aStride,
                        w,
                        ldw,
                        j,
                        out,
                        ob,
                        outStride,
                        accumulate);
            if (j + L <= n) {
                rows4x1(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        ab,
                        aStride,
                        w,
                        ldw,
                        j,
                        out,
                        ob,
                        outStride,
                        accumulate);
                j += L;
            }
            if (L > 8 && j + 8 <= n) {
                rows4x8(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        ab,
                        aStride,
                        w,
                        ldw,
                        j,
                        out,
                        ob,
                        outStride,
                        accumulate);
                j += 8;
            }
            if (j < n)
                rows4Masked(
                        taps,
                        tapOffset,
                        weightOffset,
                        reduction,
                        a,
                        ab,
                        aStride,
                        w,
                        ldw,
                        j,
                        tail,
                        out,
                        ob,
                        outStride,
                        accumulate);
        }
        for (; i < rows; i++) {
            int ab = aBase + i * aStride, ob = outBase + i * outStride;
            int j = 0;
            for (; j + L <= n; j += L)
                row1x1(taps, tapOffset, weightOffset, reduction, a, ab, w, ldw, j, out, ob, accumulate);
            if (L > 8 && j + 8 <= n) {
                row1x8(taps, tapOffset, weightOffset, reduction, a, ab, w, ldw, j, out, ob, accumulate);
                j += 8;
            }
            if (j < n)
                row1Masked(taps, tapOffset, weightOffset, reduction, a, ab, w, ldw, j, tail, out, ob, accumulate);
        }
    }

    private static void rows4x2(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            int j,
            float[] out,
            int outBase,
            int outStride,
            boolean accumulate) {
        int o = outBase + j;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(S); // zero, not out: see put()
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b0 = FloatVector.fromArray(S, w, wi);
                FloatVector b1 = FloatVector.fromArray(S, w, wi + L);
                FloatVector v = FloatVector.broadcast(S, a[a0 + c]);
                c00 = v.fma(b0, c00);
                c01 = v.fma(b1, c01);
                v = FloatVector.broadcast(S, a[a1 + c]);
                c10 = v.fma(b0, c10);
                c11 = v.fma(b1, c11);
                v = FloatVector.broadcast(S, a[a2 + c]);
                c20 = v.fma(b0, c20);
                c21 = v.fma(b1, c21);
                v = FloatVector.broadcast(S, a[a3 + c]);
                c30 = v.fma(b0, c30);
                c31 = v.fma(b1, c31);
            }
        }
        put(c00, out, o, accumulate);
        put(c01, out, o + L, accumulate);
        put(c10, out, o + outStride, accumulate);
        put(c11, out, o + outStride + L, accumulate);
        put(c20, out, o + 2 * outStride, accumulate);
        put(c21, out, o + 2 * outStride + L, accumulate);
        put(c30, out, o + 3 * outStride, accumulate);
        put(c31, out, o + 3 * outStride + L, accumulate);
    }

    private static void rows8x1(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            float[] out,
            int o,
            int outStride,
            boolean accumulate) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = FloatVector.zero(S); // zero, not out: see put()
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a4 = a0 + 4 * aStride;
            int wi = weightOffset[t];
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b = FloatVector.fromArray(S, w, wi);
                c0 = FloatVector.broadcast(S, a[a0 + c]).fma(b, c0);
                c1 = FloatVector.broadcast(S, a[a0 + aStride + c]).fma(b, c1);
                c2 = FloatVector.broadcast(S, a[a0 + 2 * aStride + c]).fma(b, c2);
                c3 = FloatVector.broadcast(S, a[a0 + 3 * aStride + c]).fma(b, c3);
                c4 = FloatVector.broadcast(S, a[a4 + c]).fma(b, c4);
                c5 = FloatVector.broadcast(S, a[a4 + aStride + c]).fma(b, c5);
                c6 = FloatVector.broadcast(S, a[a4 + 2 * aStride + c]).fma(b, c6);
                c7 = FloatVector.broadcast(S, a[a4 + 3 * aStride + c]).fma(b, c7);
            }
        }
        put(c0, out, o, accumulate);
        put(c1, out, o + outStride, accumulate);
        put(c2, out, o + 2 * outStride, accumulate);
        put(c3, out, o + 3 * outStride, accumulate);
        put(c4, out, o + 4 * outStride, accumulate);
        put(c5, out, o + 5 * outStride, accumulate);
        put(c6, out, o + 6 * outStride, accumulate);
        put(c7, out, o + 7 * outStride, accumulate);
    }

    private static void rows8x8(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            float[] out,
            int o,
            int outStride,
            boolean accumulate) {
        FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = FloatVector.zero(S8); // zero, not out: see put()
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a4 = a0 + 4 * aStride;
            int wi = weightOffset[t];
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b = FloatVector.fromArray(S8, w, wi);
                c0 = FloatVector.broadcast(S8, a[a0 + c]).fma(b, c0);
                c1 = FloatVector.broadcast(S8, a[a0 + aStride + c]).fma(b, c1);
                c2 = FloatVector.broadcast(S8, a[a0 + 2 * aStride + c]).fma(b, c2);
                c3 = FloatVector.broadcast(S8, a[a0 + 3 * aStride + c]).fma(b, c3);
                c4 = FloatVector.broadcast(S8, a[a4 + c]).fma(b, c4);
                c5 = FloatVector.broadcast(S8, a[a4 + aStride + c]).fma(b, c5);
                c6 = FloatVector.broadcast(S8, a[a4 + 2 * aStride + c]).fma(b, c6);
                c7 = FloatVector.broadcast(S8, a[a4 + 3 * aStride + c]).fma(b, c7);
            }
        }
        put8(c0, out, o, accumulate);
        put8(c1, out, o + outStride, accumulate);
        put8(c2, out, o + 2 * outStride, accumulate);
        put8(c3, out, o + 3 * outStride, accumulate);
        put8(c4, out, o + 4 * outStride, accumulate);
        put8(c5, out, o + 5 * outStride, accumulate);
        put8(c6, out, o + 6 * outStride, accumulate);
        put8(c7, out, o + 7 * outStride, accumulate);
    }

    /** 4 rows of one full vector and one 8-lane vector (24 outputs on 16-lane machines). */
    private static void rows4x1and8(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            float[] out,
            int o,
            int outStride,
            boolean accumulate) {
        FloatVector c0, c1, c2, c3, h0, h1, h2, h3;
        c0 = c1 = c2 = c3 = FloatVector.zero(S); // zero, not out: see put()
        h0 = h1 = h2 = h3 = FloatVector.zero(S8);
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int wi = weightOffset[t];
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b = FloatVector.fromArray(S, w, wi);
                FloatVector bh = FloatVector.fromArray(S8, w, wi + L);
                float v0 = a[a0 + c], v1 = a[a1 + c], v2 = a[a2 + c], v3 = a[a3 + c];
                c0 = FloatVector.broadcast(S, v0).fma(b, c0);
                h0 = FloatVector.broadcast(S8, v0).fma(bh, h0);
                c1 = FloatVector.broadcast(S, v1).fma(b, c1);
                h1 = FloatVector.broadcast(S8, v1).fma(bh, h1);
                c2 = FloatVector.broadcast(S, v2).fma(b, c2);
                h2 = FloatVector.broadcast(S8, v2).fma(bh, h2);
                c3 = FloatVector.broadcast(S, v3).fma(b, c3);
                h3 = FloatVector.broadcast(S8, v3).fma(bh, h3);
            }
        }
        put(c0, out, o, accumulate);
        put(c1, out, o + outStride, accumulate);
        put(c2, out, o + 2 * outStride, accumulate);
        put(c3, out, o + 3 * outStride, accumulate);
        put8(h0, out, o + L, accumulate);
        put8(h1, out, o + outStride + L, accumulate);
        put8(h2, out, o + 2 * outStride + L, accumulate);
        put8(h3, out, o + 3 * outStride + L, accumulate);
    }

    // One method per species and masking: the Vector API compiles to SIMD only where the species is a constant.

    private static void rows4x1(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            int j,
            float[] out,
            int outBase,
            int outStride,
            boolean accumulate) {
        int o = outBase + j;
        FloatVector c0, c1, c2, c3;
        c0 = c1 = c2 = c3 = FloatVector.zero(S); // zero, not out: see put()
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b0 = FloatVector.fromArray(S, w, wi);
                c0 = FloatVector.broadcast(S, a[a0 + c]).fma(b0, c0);
                c1 = FloatVector.broadcast(S, a[a1 + c]).fma(b0, c1);
                c2 = FloatVector.broadcast(S, a[a2 + c]).fma(b0, c2);
                c3 = FloatVector.broadcast(S, a[a3 + c]).fma(b0, c3);
            }
        }
        put(c0, out, o, accumulate);
        put(c1, out, o + outStride, accumulate);
        put(c2, out, o + 2 * outStride, accumulate);
        put(c3, out, o + 3 * outStride, accumulate);
    }

    private static void rows4x8(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            int j,
            float[] out,
            int outBase,
            int outStride,
            boolean accumulate) {
        int o = outBase + j;
        FloatVector c0, c1, c2, c3;
        c0 = c1 = c2 = c3 = FloatVector.zero(S8); // zero, not out: see put()
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b0 = FloatVector.fromArray(S8, w, wi);
                c0 = FloatVector.broadcast(S8, a[a0 + c]).fma(b0, c0);
                c1 = FloatVector.broadcast(S8, a[a1 + c]).fma(b0, c1);
                c2 = FloatVector.broadcast(S8, a[a2 + c]).fma(b0, c2);
                c3 = FloatVector.broadcast(S8, a[a3 + c]).fma(b0, c3);
            }
        }
        put8(c0, out, o, accumulate);
        put8(c1, out, o + outStride, accumulate);
        put8(c2, out, o + 2 * outStride, accumulate);
        put8(c3, out, o + 3 * outStride, accumulate);
    }

    private static void rows4Masked(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            int aStride,
            float[] w,
            int ldw,
            int j,
            VectorMask<Float> m,
            float[] out,
            int outBase,
            int outStride,
            boolean accumulate) {
        int o = outBase + j;
        FloatVector c0, c1, c2, c3;
        c0 = c1 = c2 = c3 = FloatVector.zero(S); // zero, not out: see put()
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                FloatVector b0 = FloatVector.fromArray(S, w, wi, m);
                c0 = FloatVector.broadcast(S, a[a0 + c]).fma(b0, c0);
                c1 = FloatVector.broadcast(S, a[a1 + c]).fma(b0, c1);
                c2 = FloatVector.broadcast(S, a[a2 + c]).fma(b0, c2);
                c3 = FloatVector.broadcast(S, a[a3 + c]).fma(b0, c3);
            }
        }
        putMasked(c0, out, o, m, accumulate);
        putMasked(c1, out, o + outStride, m, accumulate);
        putMasked(c2, out, o + 2 * outStride, m, accumulate);
        putMasked(c3, out, o + 3 * outStride, m, accumulate);
    }

    private static void row1x1(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            float[] w,
            int ldw,
            int j,
            float[] out,
            int o,
            boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                c0 = FloatVector.broadcast(S, a[a0 + c]).fma(FloatVector.fromArray(S, w, wi), c0);
            }
        }
        put(c0, out, o + j, accumulate);
    }

    private static void row1x8(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            float[] w,
            int ldw,
            int j,
            float[] out,
            int o,
            boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S8);
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                c0 = FloatVector.broadcast(S8, a[a0 + c]).fma(FloatVector.fromArray(S8, w, wi), c0);
            }
        }
        put8(c0, out, o + j, accumulate);
    }

    private static void row1Masked(
            int taps,
            int[] tapOffset,
            int[] weightOffset,
            int reduction,
            float[] a,
            int aBase,
            float[] w,
            int ldw,
            int j,
            VectorMask<Float> m,
            float[] out,
            int o,
            boolean accumulate) {
        FloatVector c0 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int a0 = aBase + tapOffset[t], wi = weightOffset[t] + j;
            for (int c = 0; c < reduction; c++, wi += ldw) {
                c0 = FloatVector.broadcast(S, a[a0 + c]).fma(FloatVector.fromArray(S, w, wi, m), c0);
            }
        }
        putMasked(c0, out, o + j, m, accumulate);
    }

    /**
     * The first row of the next block of `size` rows from row i, or -1 when none is left. Without accumulation a last
     * partial block is moved back to end at the last row: it overlaps the block before and writes the same values again
     * (each output's sum is computed the same way in either block), instead of leaving rows to the one-row kernel,
     * whose single chain of dependent FMAs runs at a fraction of the speed.
     */
    private static int next(int i, int rows, int size, boolean accumulate) {
        if (i + size <= rows) return i;
        return !accumulate && i < rows && rows >= size ? rows - size : -1;
    }

    // Stores a block's sums: into out, or added to what out holds. Each branch stores on its own: a vector merged
    // across a branch (or into a loop) is where C2 may fall back to allocating every vector (seen: 10x slower kernels).

    private static void put(FloatVector v, float[] out, int o, boolean accumulate) {
        if (accumulate) v.add(FloatVector.fromArray(S, out, o)).intoArray(out, o);
        else v.intoArray(out, o);
    }

    private static void put8(FloatVector v, float[] out, int o, boolean accumulate) {
        if (accumulate) v.add(FloatVector.fromArray(S8, out, o)).intoArray(out, o);
        else v.intoArray(out, o);
    }

    private static void putMasked(FloatVector v, float[] out, int o, VectorMask<Float> m, boolean accumulate) {
        if (accumulate) v.add(FloatVector.fromArray(S, out, o, m)).intoArray(out, o, m);
        else v.intoArray(out, o, m);
    }
}
