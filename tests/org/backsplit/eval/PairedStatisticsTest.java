package org.backsplit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Wilcoxon p-values against scipy 1.10's scipy.stats.wilcoxon (defaults) on the same numbers (values printed by
 * Debian's python3-scipy); the exact distribution by hand; the bootstrap interval's behaviour.
 */
class PairedStatisticsTest {
    static final double[] TEN = {0.12, -0.05, 0.3, 0.08, 0.15, -0.02, 0.22, 0.04, 0.11, 0.09};
    static final double[] FORTY = {
        0.0426, 0.0168, 0.094, 0.0405, -0.0236, 0.0662, 0.1604, 0.1247, -0.0404, -0.0965, -0.0323, 0.0341, -0.2025,
        0.0081, -0.0946, -0.0432, -0.0244, -0.0016, 0.0712, 0.1343, 0.0171, 0.1666, -0.0365, 0.0652, 0.1203, 0.0394,
        -0.0443, -0.0622, -0.0158, 0.052, -0.071, 0.0091, 0.0141, 0.0841, 0.0515, 0.0655, -0.0354, 0.017, 0.1084, 0.1793
    };
    static final double[] TIES_AND_ZERO = {0.1, 0.1, -0.1, 0.2, 0.3, 0.0, 0.2, -0.05, 0.15, 0.1};

    @Test
    void exactPValuesAsScipy() {
        // ranks of |d|: the negatives hold ranks 1 and 3, so T = 4; 7 of the 1024 sign patterns have T <= 4
        PairedStatistics.Wilcoxon w = PairedStatistics.wilcoxon(TEN);
        assertTrue(w.exact());
        assertEquals(4, w.statistic());
        assertEquals(0.013671875, w.pValue(), 1e-15);
        assertEquals(0.062184092836105265, PairedStatistics.wilcoxon(FORTY).pValue(), 1e-12);
    }

    @Test
    void normalApproximationWithTiesAndZerosAsScipy() {
        PairedStatistics.Wilcoxon w = PairedStatistics.wilcoxon(TIES_AND_ZERO);
        assertFalse(w.exact());
        assertEquals(4.5, w.statistic());
        assertEquals(0.031292361840065126, w.pValue(), 1e-12);
    }

    @Test
    void bootstrapIntervalHoldsTheMeanAndNarrowsWithMoreCases() {
        PairedStatistics.Interval ten = PairedStatistics.bootstrapMean(TEN, 10_000, 1);
        double mean = PairedStatistics.mean(TEN);
        assertTrue(ten.low() < mean && mean < ten.high(), ten + " around " + mean);
        double[] more = new double[TEN.length * 4];
        for (int i = 0; i < more.length; i++) more[i] = TEN[i % TEN.length];
        PairedStatistics.Interval forty = PairedStatistics.bootstrapMean(more, 10_000, 1);
        assertTrue(
                forty.high() - forty.low() < 0.7 * (ten.high() - ten.low()),
                "four times the cases: about half the width");
        PairedStatistics.Interval constant = PairedStatistics.bootstrapMean(new double[] {0.2, 0.2, 0.2}, 1000, 3);
        assertEquals(0.2, constant.low(), 1e-15);
        assertEquals(0.2, constant.high(), 1e-15);
        assertEquals(ten, PairedStatistics.bootstrapMean(TEN, 10_000, 1), "seeded: the same interval every run");
    }
}
