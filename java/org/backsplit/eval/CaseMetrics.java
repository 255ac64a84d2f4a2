package org.backsplit.eval;

/**
 * One case's scores for one label: overlap, surface distances, volumes and lesion-wise errors, following the reference
 * definitions on empty masks: Dice and NSD are NaN when both masks are empty; HD95 is infinite when either is empty
 * (summaries count those and also offer the image diagonal as a finite penalty); the lesion rates are NaN where their
 * denominator is empty (see {@link LesionWise}).
 *
 * @param hd95 the larger directed 95th percentile of surface distances, area-weighted (mm)
 * @param nsd normalised surface distance (surface Dice) at toleranceMm, inclusive
 * @param imageDiagonalMm the diagonal of the image (mm): the finite penalty for an infinite HD95
 */
public record CaseMetrics(
        String caseId,
        int label,
        double dice,
        double hd95,
        double nsd,
        double toleranceMm,
        double imageDiagonalMm,
        double referenceMl,
        double predictedMl,
        LesionWise lesions) {
    public static final double DEFAULT_TOLERANCE_MM = 2;

    /** @param dims {nx, ny, nz}; spacing {sx, sy, sz} in mm */
    public static CaseMetrics of(
            String caseId,
            int label,
            float[] predicted,
            float[] reference,
            int[] dims,
            double[] spacing,
            double toleranceMm) {
        boolean[] p = new boolean[predicted.length], r = new boolean[reference.length];
        long np = 0, nr = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] = predicted[i] == label) np++;
            if (r[i] = reference[i] == label) nr++;
        }
        double ml = spacing[0] * spacing[1] * spacing[2] / 1000.0;
        SurfaceDistances s = SurfaceDistances.of(r, p, dims, spacing);
        double diagonal = Math.sqrt(Math.pow(dims[0] * spacing[0], 2)
                + Math.pow(dims[1] * spacing[1], 2)
                + Math.pow(dims[2] * spacing[2], 2));
        return new CaseMetrics(
                caseId,
                label,
                Dice.of(p, r),
                s.hausdorff(95),
                s.surfaceDice(toleranceMm),
                toleranceMm,
                diagonal,
                nr * ml,
                np * ml,
                LesionWise.of(p, r, dims, spacing));
    }

    /** HD95 with an infinite value (one mask empty) replaced by the image diagonal; NaN stays NaN. */
    public double hd95WithPenalty() {
        return Double.isInfinite(hd95) ? imageDiagonalMm : hd95;
    }
}
