package org.backsplit.eval;

/**
 * The Dice coefficient of two binary masks, 2|A and B| / (|A| + |B|), with DeepMind surface-distance's rule for two
 * empty masks: NaN (undefined, to be excluded from means and counted), never 1 or 0.
 */
public final class Dice {
    private Dice() {}

    public static double of(boolean[] predicted, boolean[] reference) {
        if (predicted.length != reference.length)
            throw new IllegalArgumentException("prediction and reference differ in size");
        long both = 0, sum = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] && reference[i]) both++;
            if (predicted[i]) sum++;
            if (reference[i]) sum++;
        }
        return sum == 0 ? Double.NaN : 2.0 * both / sum;
    }
}
