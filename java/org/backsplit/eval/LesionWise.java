package org.backsplit.eval;

import org.backsplit.data.geometry.ConnectedComponents;

/**
 * Lesion-wise errors of a predicted mask against a reference, as autoPET counts them: the lesions are the 26-connected
 * components; a reference lesion is detected when any predicted voxel overlaps it, a predicted component is a false
 * positive when it overlaps no reference voxel. Volumes in millilitres from the spacing.
 *
 * @param truePositiveLesions reference lesions that some prediction overlaps
 * @param falseNegativeLesions reference lesions no prediction overlaps
 * @param truePositivePredictions predicted components that overlap the reference
 * @param falsePositiveLesions predicted components that overlap no reference voxel
 * @param falsePositiveMl volume of those false-positive components
 * @param falseNegativeMl volume of the missed reference lesions
 */
public record LesionWise(
        int truePositiveLesions,
        int falseNegativeLesions,
        int truePositivePredictions,
        int falsePositiveLesions,
        double falsePositiveMl,
        double falseNegativeMl) {

    /** @param dims {nx, ny, nz}; spacing {sx, sy, sz} in mm */
    public static LesionWise of(boolean[] predicted, boolean[] reference, int[] dims, double[] spacing) {
        if (predicted.length != reference.length)
            throw new IllegalArgumentException("prediction and reference differ in size");
        ConnectedComponents.Labels ref = ConnectedComponents.label(reference, dims),
                pred = ConnectedComponents.label(predicted, dims);
        boolean[] refHit = new boolean[ref.count() + 1], predHit = new boolean[pred.count() + 1];
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] && reference[i]) {
                refHit[ref.labels()[i]] = true;
                predHit[pred.labels()[i]] = true;
            }
        }
        double ml = spacing[0] * spacing[1] * spacing[2] / 1000.0;
        long[] refSize = ref.sizes(), predSize = pred.sizes();
        int tp = 0, fn = 0, tpPred = 0, fp = 0;
        long fnVoxels = 0, fpVoxels = 0;
        for (int l = 1; l <= ref.count(); l++) {
            if (refHit[l]) tp++;
            else {
                fn++;
                fnVoxels += refSize[l];
            }
        }
        for (int l = 1; l <= pred.count(); l++) {
            if (predHit[l]) tpPred++;
            else {
                fp++;
                fpVoxels += predSize[l];
            }
        }
        return new LesionWise(tp, fn, tpPred, fp, fpVoxels * ml, fnVoxels * ml);
    }

    /** Detected reference lesions over all reference lesions; NaN without reference lesions. */
    public double recall() {
        int n = truePositiveLesions + falseNegativeLesions;
        return n == 0 ? Double.NaN : (double) truePositiveLesions / n;
    }

    /** Predicted components that hit a lesion over all predicted components; NaN without predictions. */
    public double precision() {
        int n = truePositivePredictions + falsePositiveLesions;
        return n == 0 ? Double.NaN : (double) truePositivePredictions / n;
    }

    /**
     * Harmonic mean of precision and recall. NaN only when both are undefined (no lesion on either side); 0 when one
     * side is empty and the other is not (every lesion missed, or every prediction false): a model that predicts
     * nothing must not drop out of a mean F1.
     */
    public double f1() {
        double p = precision(), r = recall();
        if (Double.isNaN(p) && Double.isNaN(r)) return Double.NaN;
        if (Double.isNaN(p) || Double.isNaN(r)) return 0;
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
