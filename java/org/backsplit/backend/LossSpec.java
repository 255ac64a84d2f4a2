package org.backsplit.backend;

import java.util.Arrays;

/**
 * How the Dice + cross-entropy loss is computed.
 *
 * @param numClasses  K, the logits' channel count
 * @param diceClasses the classes whose soft Dice is averaged: all foreground classes as nnU-Net does, or
 *                    the target classes only (then auxiliary classes shape the softmax through CE alone)
 * @param ignoreLabel a label value excluded from both terms, or -1 for none
 * @param batchDice   sum Dice statistics over the batch (nnU-Net's batch dice) instead of per sample
 * @param smooth      added to numerator and denominator (nnU-Net: 1e-5)
 * @param weightCe    weight of the cross-entropy term
 * @param weightDice  weight of the Dice term
 * @param weight      scale applied to the returned gradient (the deep-supervision weight of this head)
 */
public record LossSpec(int numClasses, int[] diceClasses, int ignoreLabel, boolean batchDice, double smooth,
                       double weightCe, double weightDice, double weight) {

    public LossSpec {
        diceClasses = diceClasses.clone();
        for (int k : diceClasses) {
            if (k < 0 || k >= numClasses) throw new IllegalArgumentException("Dice class " + k + " not in [0," + numClasses + ")");
        }
        if (ignoreLabel >= 0 && ignoreLabel < numClasses) {
            throw new IllegalArgumentException("ignore label " + ignoreLabel + " collides with a class");
        }
    }

    /** nnU-Net's default: Dice over every foreground class, smooth 1e-5, CE and Dice weighted 1. */
    public static LossSpec nnUNet(int numClasses, boolean batchDice, int ignoreLabel) {
        int[] fg = new int[numClasses - 1];
        for (int i = 0; i < fg.length; i++) fg[i] = i + 1;
        return new LossSpec(numClasses, fg, ignoreLabel, batchDice, 1e-5, 1.0, 1.0, 1.0);
    }

    public LossSpec withWeight(double w) {
        return new LossSpec(numClasses, diceClasses, ignoreLabel, batchDice, smooth, weightCe, weightDice, w);
    }

    public LossSpec withDiceClasses(int[] classes) {
        return new LossSpec(numClasses, classes, ignoreLabel, batchDice, smooth, weightCe, weightDice, weight);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossSpec s && numClasses == s.numClasses && Arrays.equals(diceClasses, s.diceClasses)
                && ignoreLabel == s.ignoreLabel && batchDice == s.batchDice && smooth == s.smooth
                && weightCe == s.weightCe && weightDice == s.weightDice && weight == s.weight;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(diceClasses) + 31 * numClasses;
    }
}
