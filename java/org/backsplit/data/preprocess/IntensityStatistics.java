package org.backsplit.data.preprocess;

import java.util.Arrays;

/**
 * Foreground intensity statistics of one channel over the training cases, for CT normalisation: mean, standard
 * deviation, and the 0.5 and 99.5 percentiles (numpy's default linear interpolation) of the values under the labels'
 * foreground. nnU-Net takes a random sample of 10,000 foreground voxels per case; here every foreground voxel counts,
 * so the numbers are exact for the data rather than for a sample.
 */
public record IntensityStatistics(
        double mean, double std, double percentile005, double percentile995, double min, double max, long voxels) {

    public static IntensityStatistics of(float[] foregroundValues) {
        if (foregroundValues.length == 0)
            throw new IllegalArgumentException("no foreground voxels to take statistics from");
        double[] v = new double[foregroundValues.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = foregroundValues[i];
            sum += v[i];
        }
        double mean = sum / v.length, sq = 0;
        for (double x : v) sq += (x - mean) * (x - mean);
        Arrays.sort(v);
        return new IntensityStatistics(
                mean,
                Math.sqrt(sq / v.length),
                percentile(v, 0.5),
                percentile(v, 99.5),
                v[0],
                v[v.length - 1],
                v.length);
    }

    /** numpy.percentile with the default 'linear' method on sorted values. */
    static double percentile(double[] sorted, double q) {
        double pos = q / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
