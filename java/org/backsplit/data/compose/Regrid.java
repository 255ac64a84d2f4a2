package org.backsplit.data.compose;

import org.backsplit.data.nifti.NiftiImage;

/**
 * Nearest-neighbour resampling of a label image onto another image's voxel grid through both affines: voxel v of the
 * target grid sits at world point A_target v; the source value is the one at the source voxel nearest to A_source^-1
 * (A_target v), or 0 outside the source. The right way for label maps: no value that was not in the source appears.
 */
public final class Regrid {
    private Regrid() {}

    /** True when the two grids are the same (dimensions equal, affines within 1e-4). */
    public static boolean sameGrid(NiftiImage a, NiftiImage b) {
        for (int i = 0; i < 3; i++) if (a.dims()[i] != b.dims()[i]) return false;
        double[][] x = a.affine(), y = b.affine();
        for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++) if (Math.abs(x[r][c] - y[r][c]) > 1e-4) return false;
        return true;
    }

    /** The values of `source` (x fastest) on the grid of `target`. */
    public static float[] nearest(NiftiImage source, NiftiImage target) {
        if (sameGrid(source, target)) return source.data().clone();
        double[][] m = multiply(invert(source.affine()), target.affine()); // target voxel -> source voxel
        int[] sd = source.dims(), td = target.dims();
        float[] out = new float[td[0] * td[1] * td[2]];
        int o = 0;
        for (int k = 0; k < td[2]; k++)
            for (int j = 0; j < td[1]; j++)
                for (int i = 0; i < td[0]; i++, o++) {
                    long si = Math.round(m[0][0] * i + m[0][1] * j + m[0][2] * k + m[0][3]);
                    long sj = Math.round(m[1][0] * i + m[1][1] * j + m[1][2] * k + m[1][3]);
                    long sk = Math.round(m[2][0] * i + m[2][1] * j + m[2][2] * k + m[2][3]);
                    if (si < 0 || sj < 0 || sk < 0 || si >= sd[0] || sj >= sd[1] || sk >= sd[2]) continue;
                    out[o] = source.data()[(int) ((sk * sd[1] + sj) * sd[0] + si)];
                }
        return out;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[4][4];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) for (int k = 0; k < 4; k++) c[i][j] += a[i][k] * b[k][j];
        return c;
    }

    /** Inverse of an affine [R t; 0 1]: [R^-1, -R^-1 t; 0 1]. */
    static double[][] invert(double[][] a) {
        double[][] r = new double[3][3];
        double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
        if (Math.abs(det) < 1e-12) throw new IllegalArgumentException("singular affine");
        r[0][0] = (a[1][1] * a[2][2] - a[1][2] * a[2][1]) / det;
        r[0][1] = (a[0][2] * a[2][1] - a[0][1] * a[2][2]) / det;
        r[0][2] = (a[0][1] * a[1][2] - a[0][2] * a[1][1]) / det;
        r[1][0] = (a[1][2] * a[2][0] - a[1][0] * a[2][2]) / det;
        r[1][1] = (a[0][0] * a[2][2] - a[0][2] * a[2][0]) / det;
        r[1][2] = (a[0][2] * a[1][0] - a[0][0] * a[1][2]) / det;
        r[2][0] = (a[1][0] * a[2][1] - a[1][1] * a[2][0]) / det;
        r[2][1] = (a[0][1] * a[2][0] - a[0][0] * a[2][1]) / det;
        r[2][2] = (a[0][0] * a[1][1] - a[0][1] * a[1][0]) / det;
        double[][] inv = new double[4][4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) inv[i][j] = r[i][j];
            inv[i][3] = -(r[i][0] * a[0][3] + r[i][1] * a[1][3] + r[i][2] * a[2][3]);
        }
        inv[3][3] = 1;
        return inv;
    }
}
