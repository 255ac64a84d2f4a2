package org.backsplit.backend;

import java.util.Arrays;

/**
 * How the Dice + cross-entropy loss is computed.
 *
 * @param numClasses K, the logits' channel count
 * @param diceClasses the classes whose soft Dice is averaged: all foreground classes as nnU-Net does, or the target
 *     classes only (then auxiliary classes shape the softmax through CE alone)
 * @param ignoreLabel a label value excluded from both terms, or -1 for none
 * @param batchDice sum Dice statistics over the batch (nnU-Net's batch dice) instead of per sample
 * @param smooth added to numerator and denominator (nnU-Net: 1e-5)
 * @param weightCe weight of the cross-entropy term
 * @param weightDice weight of the Dice term
 * @param weight scale applied to the returned gradient (the deep-supervision weight of this head)
 * @param mergedLabel a label value meaning "one of mergedClasses, unknown which", or -1 for none. Cases whose auxiliary
 *     structures are not annotated mark their non-lesion voxels with it, and the loss there is the marginal one: CE =
 *     -log(sum of p over mergedClasses), and the voxel is left out of the Dice statistics of mergedClasses (it still
 *     counts against every other class), so a missing auxiliary label is never taught as background
 * @param mergedClasses the classes the merged label stands for: background and the auxiliary classes
 */
public record LossSpec(
        int numClasses,
        int[] diceClasses,
        int ignoreLabel,
        boolean batchDice,
        double smooth,
        double weightCe,
        double weightDice,
        double weight,
        int mergedLabel,
        int[] mergedClasses) {

    public LossSpec {
        diceClasses = diceClasses.clone();
        mergedClasses = mergedClasses.clone();
        for (int k : diceClasses) {
            if (k < 0 || k >= numClasses)
                throw new IllegalArgumentException("Dice class " + k + " not in [0," + numClasses + ")");
        }
        for (int k : mergedClasses) {
            if (k < 0 || k >= numClasses)
                throw new IllegalArgumentException("merged class " + k + " not in [0," + numClasses + ")");
        }
        if (ignoreLabel >= 0 && ignoreLabel < numClasses) {
            throw new IllegalArgumentException("ignore label " + ignoreLabel + " collides with a class");
        }
        if (mergedLabel >= 0 && (mergedLabel < numClasses || mergedLabel == ignoreLabel)) {
            throw new IllegalArgumentException(
                    "merged label " + mergedLabel + " collides with a class or the ignore label");
        }
        if (mergedLabel >= 0 && mergedClasses.length == 0)
            throw new IllegalArgumentException("a merged label needs merged classes");
    }

    /** nnU-Net's default: Dice over every foreground class, smooth 1e-5, CE and Dice weighted 1. */
    public static LossSpec nnUNet(int numClasses, boolean batchDice, int ignoreLabel) {
        int[] fg = new int[numClasses - 1];
        for (int i = 0; i < fg.length; i++) fg[i] = i + 1;
        return new LossSpec(numClasses, fg, ignoreLabel, batchDice, 1e-5, 1.0, 1.0, 1.0, -1, new int[0]);
    }

    public LossSpec withWeight(double w) {
        return new LossSpec(
                numClasses,
                diceClasses,
                ignoreLabel,
                batchDice,
                smooth,
                weightCe,
                weightDice,
                w,
                mergedLabel,
                mergedClasses);
    }

    public LossSpec withDiceClasses(int[] classes) {
        return new LossSpec(
                numClasses,
                classes,
                ignoreLabel,
                batchDice,
                smooth,
                weightCe,
                weightDice,
                weight,
                mergedLabel,
                mergedClasses);
    }

    /** Partial supervision: `label` marks voxels known only to be one of `classes` (background + auxiliary). */
    public LossSpec withMergedLabel(int label, int[] classes) {
        return new LossSpec(
                numClasses, diceClasses, ignoreLabel, batchDice, smooth, weightCe, weightDice, weight, label, classes);
    }

    /** True when class k is one of the merged classes. */
    public boolean isMerged(int k) {
        for (int m : mergedClasses) if (m == k) return true;
        return false;
    }

    /** The merged classes as a bit mask (bit k set for class k); classes >= 64 are rejected by the GPU loss. */
    public long mergedMask() {
        long m = 0;
        for (int k : mergedClasses) if (k < 64) m |= 1L << k;
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossSpec s
                && numClasses == s.numClasses
                && Arrays.equals(diceClasses, s.diceClasses)
                && ignoreLabel == s.ignoreLabel
                && batchDice == s.batchDice
                && smooth == s.smooth
                && weightCe == s.weightCe
                && weightDice == s.weightDice
                && weight == s.weight
                && mergedLabel == s.mergedLabel
                && Arrays.equals(mergedClasses, s.mergedClasses);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(diceClasses) + 31 * numClasses;
    }
}
