package org.backsplit.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp on float vectors from additions, multiplications and fused multiply-adds only (Cephes' expf: x = n ln 2 + r, |r|
 * <= ln 2 / 2, a degree-6 polynomial in r, then 2^n in the exponent bits), accurate to about one ulp. Not
 * VectorOperators.EXP: that one runs a vendor library once the JIT has compiled the loop and a Java fallback before,
 * and the two round differently, so the same step gave different losses depending on compilation state.
 */
final class VectorExp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float to the nearest integer (|x| < 2^22). */
    private static final float ROUND = 12582912f;
    /** Below this exp(x) is under the smallest normal float: returned as 0. */
    private static final float LOWEST = -87.33654f;

    private VectorExp() {}

    /** exp(x) for x <= 0 (softmax's shifted scores); larger x are not supported. */
    static FloatVector expNonPositive(FloatVector x) {
        var tooSmall = x.compare(VectorOperators.LT, LOWEST);
        FloatVector v = x.max(LOWEST);
        FloatVector n = v.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(x.species(), -LN2_HI), v);
        r = n.fma(FloatVector.broadcast(x.species(), -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(x.species(), 1.9875691500E-4f);
        p = p.fma(r, FloatVector.broadcast(x.species(), 1.3981999507E-3f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 8.3334519073E-3f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 4.1665795894E-2f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 1.6666665459E-1f));
        p = p.fma(r, FloatVector.broadcast(x.species(), 5.0000001201E-1f));
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits =
                ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return e.mul(bits.reinterpretAsFloats()).blend(0f, tooSmall);
    }
}
