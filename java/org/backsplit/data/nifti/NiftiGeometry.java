package org.backsplit.data.nifti;

/**
 * The geometry fields of a NIfTI header: pixdim (pixdim[0] is qfac), the qform (quaternion and offset) and the sform
 * (three affine rows) with their codes, and the units byte. Converting them to an affine follows nibabel
 * (get_best_affine): sform if its code is non-zero, else qform if its code is non-zero, else a diagonal affine from the
 * zooms with x flipped and the centre at the origin.
 */
public record NiftiGeometry(
        double[] pixdim,
        int qformCode,
        int sformCode,
        double[] quatern,
        double[] qoffset,
        double[][] srow,
        int xyztUnits) {

    public NiftiGeometry {
        pixdim = pixdim.clone();
        quatern = quatern.clone();
        qoffset = qoffset.clone();
        srow = new double[][] {srow[0].clone(), srow[1].clone(), srow[2].clone()};
    }

    /** A geometry whose sform is `affine` (scanner code 1), pixdim the spacing, no qform. */
    public static NiftiGeometry ofAffine(double[][] affine, double[] spacing) {
        double[] pix = {1, spacing[0], spacing[1], spacing[2], 1, 1, 1, 1};
        double[][] rows = {affine[0].clone(), affine[1].clone(), affine[2].clone()};
        return new NiftiGeometry(pix, 0, 1, new double[3], new double[3], rows, 2);
    }

    /** A geometry with the given spacing and no rotation: sform and qform both the scaled identity (code 1). */
    public static NiftiGeometry ofSpacing(double[] spacing) {
        double[] pix = {1, spacing[0], spacing[1], spacing[2], 1, 1, 1, 1};
        double[][] rows = {{spacing[0], 0, 0, 0}, {0, spacing[1], 0, 0}, {0, 0, spacing[2], 0}};
        return new NiftiGeometry(pix, 1, 1, new double[3], new double[3], rows, 2);
    }

    double[] spacing(int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) s[i] = pixdim[i + 1];
        return s;
    }

    double[][] affine(int[] dims) {
        if (sformCode != 0) {
            return new double[][] {srow[0].clone(), srow[1].clone(), srow[2].clone(), {0, 0, 0, 1}};
        }
        if (qformCode != 0) return qformAffine();
        double[][] a = new double[4][4];
        for (int i = 0; i < 3; i++) {
            double zoom = i < dims.length ? pixdim[i + 1] : 1;
            int size = i < dims.length ? dims[i] : 1;
            if (i == 0) zoom = -zoom;
            a[i][i] = zoom;
            a[i][3] = -(size - 1) / 2.0 * zoom;
        }
        a[3][3] = 1;
        return a;
    }

    /** The qform as nibabel computes it: rotation from the quaternion (a recovered from b, c, d), zooms, qfac. */
    private double[][] qformAffine() {
        double b = quatern[0], c = quatern[1], d = quatern[2];
        double w2 = 1.0 - (b * b + c * c + d * d);
        double a = w2 < 0 ? 0 : Math.sqrt(w2); // rounding can make w2 slightly negative: then a = 0
        double n = a * a + b * b + c * c + d * d;
        double[][] r;
        if (n < 1e-12) {
            r = new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        } else {
            double s = 2.0 / n, x = b * s, y = c * s, z = d * s;
            r = new double[][] {
                {1.0 - (c * y + d * z), b * y - a * z, b * z + a * y},
                {b * y + a * z, 1.0 - (b * x + d * z), c * z - a * x},
                {b * z - a * y, c * z + a * x, 1.0 - (b * x + c * y)}
            };
        }
        double qfac = pixdim[0] < 0 ? -1 : 1; // the standard treats 0 as 1
        double[] zooms = {pixdim[1], pixdim[2], pixdim[3] * qfac};
        double[][] m = new double[4][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) m[i][j] = r[i][j] * zooms[j];
            m[i][3] = qoffset[i];
        }
        m[3][3] = 1;
        return m;
    }
}
