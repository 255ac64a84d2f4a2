package org.backsplit.data.plan;

import java.util.List;
import org.backsplit.data.preprocess.IntensityStatistics;

/**
 * A 3D full-resolution configuration as nnU-Net plans it. Axes are (x, y, z) throughout; the network takes them as (D,
 * H, W) = (z, y, x).
 *
 * @param targetSpacing the spacing every case is resampled to; 0 along an axis keeps each case's own spacing there
 *     (nnU-Net's 2d configurations, which never resample across slices)
 * @param medianShape the median case shape at that spacing
 * @param patchSize the training patch
 * @param batchSize the training batch
 * @param strides per stage, stage 0 = 1
 * @param kernels per stage
 * @param normalization per channel: "CT" or "ZScore"
 * @param useMaskForNorm per channel: z-score over the non-zero region only
 * @param ctStatistics per channel: the foreground statistics CT normalisation uses (null for z-score channels)
 */
public record Plan(
        double[] targetSpacing,
        int[] medianShape,
        int[] patchSize,
        int batchSize,
        int[][] strides,
        int[][] kernels,
        List<String> normalization,
        List<Boolean> useMaskForNorm,
        List<IntensityStatistics> ctStatistics) {

    /** The spacing a case of spacing `caseSpacing` {x, y, z} is resampled to. */
    public double[] targetSpacingFor(double[] caseSpacing) {
        double[] t = targetSpacing.clone();
        for (int a = 0; a < 3; a++) if (t[a] <= 0) t[a] = caseSpacing[a];
        return t;
    }
}
