package org.backsplit.eval;

import java.util.Arrays;
import org.backsplit.util.Rng;

/**
 * Statistics of paired per-case differences (model B minus model A): the mean with a percentile bootstrap 95% interval,
 * and the two-sided Wilcoxon signed-rank p-value with scipy's conventions (zero differences dropped; the exact null
 * distribution when there are at most 50 cases and no zeros or ties, else the normal approximation with the tie
 * correction and no continuity correction).
 */
public final class PairedStatistics {
    static final int EXACT_LIMIT = 50;

    private PairedStatistics() {}

    public record Interval(double low, double high) {}

    public record Wilcoxon(double statistic, double pValue, boolean exact) {}

    public static double mean(double[] d) {
        return Arrays.stream(d).average().orElse(Double.NaN);
    }

    /** The 2.5th and 97.5th percentiles of the means of `resamples` resamples with replacement (seeded). */
    public static Interval bootstrapMean(double[] d, int resamples, long seed) {
        if (d.length == 0) return new Interval(Double.NaN, Double.NaN);
        Rng rng = new Rng(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double s = 0;
            for (int i = 0; i < d.length; i++) s += d[rng.nextInt(d.length)];
            means[r] = s / d.length;
        }
        Arrays.sort(means);
        return new Interval(percentile(means, 2.5), percentile(means, 97.5));
    }

    /** numpy's default (linear) percentile of sorted values. */
    static double percentile(double[] sorted, double q) {
        double pos = q / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    public static Wilcoxon wilcoxon(double[] differences) {
        double[] d = Arrays.stream(differences).filter(x -> x != 0).toArray();
        boolean zeros = d.length < differences.length;
        int n = d.length;
        if (n == 0) return new Wilcoxon(0, Double.NaN, false);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(Math.abs(d[a]), Math.abs(d[b])));
        double[] rank = new double[n];
        double tieTerm = 0;
        boolean ties = false;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && Math.abs(d[order[j + 1]]) == Math.abs(d[order[i]])) j++;
            double r = (i + j) / 2.0 + 1; // average rank of the tied run
            for (int t = i; t <= j; t++) rank[order[t]] = r;
            int size = j - i + 1;
            if (size > 1) {
                ties = true;
                tieTerm += (double) size * size * size - size;
            }
            i = j + 1;
        }
        double plus = 0, minus = 0;
        for (int i = 0; i < n; i++) {
            if (d[i] > 0) plus += rank[i];
            else minus += rank[i];
        }
        double t = Math.min(plus, minus);
        if (n <= EXACT_LIMIT && !zeros && !ties) {
            return new Wilcoxon(t, Math.min(1, 2 * exactCdf(n, (int) t)), true);
        }
        double mean = n * (n + 1) / 4.0, var = n * (n + 1) * (2.0 * n + 1) / 24 - tieTerm / 48;
        double z = (t - mean) / Math.sqrt(var);
        return new Wilcoxon(t, Math.min(1, 2 * normalCdf(-Math.abs(z))), false);
    }

    /** P(W <= w) for the signed-rank statistic of n untied ranks: subsets of {1..n} with sum <= w, over 2^n. */
    static double exactCdf(int n, int w) {
        int max = n * (n + 1) / 2;
        double[] count = new double[max + 1];
        count[0] = 1;
        for (int r = 1; r <= n; r++) for (int s = max; s >= r; s--) count[s] += count[s - r];
        double below = 0;
        for (int s = 0; s <= Math.min(w, max); s++) below += count[s];
        return below / Math.pow(2, n);
    }

    static double normalCdf(double z) {
        return 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
    }
}
