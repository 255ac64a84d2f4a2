package org.backsplit.backend;

/**
 * The host-side middle of the Dice + CE loss, shared by every backend: from the per-group, per-class sums of a first
 * pass over the voxels (intersection tp, predicted sp, reference count sg, the CE sum and the count of voxels not
 * ignored) it computes the loss terms and the coefficients a second pass needs for the gradient: a_k = aSp[g][k] + [k =
 * y] aTp[g][k] = dL/dp_k, and the CE scale weightCe / valid. For class k of group g, dc = (2 tp + s) / max(sp + sg + s,
 * 1e-8), L = weightCe*CE - weightDice*mean(dc).
 */
public record DiceCrossEntropyCoefficients(
        double loss, double crossEntropy, double dice, float[][] aTp, float[][] aSp, float ceScale) {

    /** sums[g] = tp[K] | sp[K] | sg[K] for group g. */
    public static DiceCrossEntropyCoefficients compute(double[][] sums, double ceSum, double valid, LossSpec spec) {
        int k = spec.numClasses(), groups = sums.length;
        int[] dc = spec.diceClasses();
        int terms = groups * dc.length;
        double dice = 0;
        float[][] aTp = new float[groups][k], aSp = new float[groups][k];
        for (int g = 0; g < groups; g++) {
            for (int c : dc) {
                double den = Math.max(sums[g][k + c] + sums[g][2 * k + c] + spec.smooth(), 1e-8);
                double num = 2 * sums[g][c] + spec.smooth();
                dice += num / den / terms;
                aTp[g][c] = (float) (-spec.weightDice() / terms * 2 / den);
                aSp[g][c] = (float) (spec.weightDice() / terms * num / (den * den));
            }
        }
        double ce = valid > 0 ? ceSum / valid : 0;
        float ceScale = valid > 0 ? (float) (spec.weightCe() / valid) : 0f;
        return new DiceCrossEntropyCoefficients(
                spec.weightCe() * ce - spec.weightDice() * dice, ce, dice, aTp, aSp, ceScale);
    }
}
