package org.backsplit.train;

/**
 * Dice of the argmax prediction per class (nnU-Net's "pseudo Dice"), from host arrays: logits [voxels x K]
 * channels-last and labels [voxels]. Counts can be accumulated over many batches before dividing, as nnU-Net's
 * validation does. NaN for a class absent from both.
 */
public final class HardDice {
    private final long[] tp, fp, fn;

    public HardDice(int classes) {
        tp = new long[classes];
        fp = new long[classes];
        fn = new long[classes];
    }

    public static double[] perClass(float[] logits, float[] labels, int classes) {
        HardDice d = new HardDice(classes);
        d.add(logits, labels);
        return d.dice();
    }

    /** Counts one batch; voxels whose label is not a class (ignore, merged) are left out. */
    public void add(float[] logits, float[] labels) {
        int classes = tp.length;
        for (int v = 0; v < labels.length; v++) {
            int y = (int) labels[v];
            if (y < 0 || y >= classes) continue;
            int best = 0;
            for (int k = 1; k < classes; k++) if (logits[v * classes + k] > logits[v * classes + best]) best = k;
            if (best == y) tp[y]++;
            else {
                fp[best]++;
                fn[y]++;
            }
        }
    }

    public double[] dice() {
        double[] dice = new double[tp.length];
        for (int k = 0; k < tp.length; k++) {
            long den = 2 * tp[k] + fp[k] + fn[k];
            dice[k] = den == 0 ? Double.NaN : 2.0 * tp[k] / den;
        }
        return dice;
    }
}
