package org.backsplit.eval;

/**
 * One case's scores for one label: overlap, volumes and lesion-wise errors. Dice is NaN when both masks are
 * empty; the lesion rates are NaN where their denominator is empty (see {@link LesionWise}).
 */
public record CaseMetrics(String caseId, int label, double dice, double referenceMl, double predictedMl, LesionWise lesions) {

    /** @param dims {nx, ny, nz}; spacing {sx, sy, sz} in mm */
    public static CaseMetrics of(String caseId, int label, float[] predicted, float[] reference, int[] dims, double[] spacing) {
        boolean[] p = new boolean[predicted.length], r = new boolean[reference.length];
        long np = 0, nr = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] = predicted[i] == label) np++;
            if (r[i] = reference[i] == label) nr++;
        }
        double ml = spacing[0] * spacing[1] * spacing[2] / 1000.0;
        return new CaseMetrics(caseId, label, Dice.of(p, r), nr * ml, np * ml, LesionWise.of(p, r, dims, spacing));
    }
}
