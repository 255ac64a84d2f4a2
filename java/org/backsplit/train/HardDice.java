package org.backsplit.train;

/**
 * Dice of the argmax prediction per class over a whole batch (nnU-Net's "pseudo Dice"), from host arrays:
 * logits [voxels x K] channels-last and labels [voxels]. NaN for a class absent from both.
 */
public final class HardDice {
    private HardDice() {
    }

    public static double[] perClass(float[] logits, float[] labels, int classes) {
        long[] tp = new long[classes], fp = new long[classes], fn = new long[classes];
        for (int v = 0; v < labels.length; v++) {
            int best = 0;
            for (int k = 1; k < classes; k++) if (logits[v * classes + k] > logits[v * classes + best]) best = k;
            int y = (int) labels[v];
            if (y < 0 || y >= classes) continue; // ignore label
            if (best == y) tp[y]++;
            else {
                fp[best]++;
                fn[y]++;
            }
        }
        double[] dice = new double[classes];
        for (int k = 0; k < classes; k++) {
            long den = 2 * tp[k] + fp[k] + fn[k];
            dice[k] = den == 0 ? Double.NaN : 2.0 * tp[k] / den;
        }
        return dice;
    }
}
