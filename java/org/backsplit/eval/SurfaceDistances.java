package org.backsplit.eval;

import java.util.Arrays;
import org.backsplit.data.geometry.DistanceTransform;

/**
 * Distances between two mask surfaces as Google DeepMind's surface-distance defines them (which MONAI's NSD matches
 * with use_subvoxels): the masks are cropped to the bounding box of both; surface elements sit on voxel corners, one
 * per 2x2x2 neighbourhood that is neither empty nor full, weighted by the area of its marching-cubes triangles
 * ({@link SurfelTable}) scaled by the spacing; each element's distance to the other surface is the exact Euclidean
 * distance (mm) from its corner to the nearest corner element of the other. HD at a percentile and NSD at a tolerance
 * follow from the area-weighted distance distributions.
 *
 * @param gtToPred distances of the reference's elements to the prediction's surface, ascending
 * @param gtAreas their areas (mm²)
 * @param predToGt distances of the prediction's elements to the reference's surface, ascending
 * @param predAreas their areas
 */
public record SurfaceDistances(double[] gtToPred, double[] gtAreas, double[] predToGt, double[] predAreas) {

    /** @param dims {nx, ny, nz}, x fastest; spacing {sx, sy, sz} in mm */
    public static SurfaceDistances of(boolean[] gt, boolean[] pred, int[] dims, double[] spacing) {
        int[] lo = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, hi = {-1, -1, -1};
        for (int z = 0, i = 0; z < dims[2]; z++)
            for (int y = 0; y < dims[1]; y++)
                for (int x = 0; x < dims[0]; x++, i++) {
                    if (!gt[i] && !pred[i]) continue;
                    lo[0] = Math.min(lo[0], x);
                    lo[1] = Math.min(lo[1], y);
                    lo[2] = Math.min(lo[2], z);
                    hi[0] = Math.max(hi[0], x);
                    hi[1] = Math.max(hi[1], y);
                    hi[2] = Math.max(hi[2], z);
                }
        if (hi[0] < 0) return new SurfaceDistances(new double[0], new double[0], new double[0], new double[0]);
        // corner grid: position c covers voxels c-1 and c along each axis (crop coordinates), so one more than the box
        int[] g = {hi[0] - lo[0] + 2, hi[1] - lo[1] + 2, hi[2] - lo[2] + 2};
        byte[] codeGt = codes(gt, dims, lo, hi, g), codePred = codes(pred, dims, lo, hi, g);
        double[] area = SurfelTable.areas(spacing);
        boolean[] borderGt = borders(codeGt), borderPred = borders(codePred);
        double[] toPred = distancesTo(borderPred, g, spacing), toGt = distancesTo(borderGt, g, spacing);
        double[][] a = collect(borderGt, codeGt, toPred, area), b = collect(borderPred, codePred, toGt, area);
        return new SurfaceDistances(a[0], a[1], b[0], b[1]);
    }

    /**
     * The larger of the two directed distances at `percent` of the surface area (100: Hausdorff); infinite when either
     * surface is empty, as the reference.
     */
    public double hausdorff(double percent) {
        return Math.max(directed(gtToPred, gtAreas, percent), directed(predToGt, predAreas, percent));
    }

    /**
     * Surface Dice (NSD): the area of both surfaces within `toleranceMm` of the other over their total area; NaN when
     * both are empty.
     */
    public double surfaceDice(double toleranceMm) {
        double within = 0, total = 0;
        for (int i = 0; i < gtToPred.length; i++) {
            total += gtAreas[i];
            if (gtToPred[i] <= toleranceMm) within += gtAreas[i];
        }
        for (int i = 0; i < predToGt.length; i++) {
            total += predAreas[i];
            if (predToGt[i] <= toleranceMm) within += predAreas[i];
        }
        return within / total;
    }

    /** Area-weighted mean distance of each surface to the other: {reference to prediction, prediction to reference}. */
    public double[] averageDistances() {
        return new double[] {weightedMean(gtToPred, gtAreas), weightedMean(predToGt, predAreas)};
    }

    private static double weightedMean(double[] d, double[] a) {
        double s = 0, w = 0;
        for (int i = 0; i < d.length; i++) {
            s += d[i] * a[i];
            w += a[i];
        }
        return s / w;
    }

    /** The first distance whose cumulative area fraction reaches percent/100 (numpy's searchsorted, left). */
    private static double directed(double[] d, double[] areas, double percent) {
        if (d.length == 0) return Double.POSITIVE_INFINITY;
        double total = 0;
        for (double a : areas) total += a;
        double cum = 0;
        for (int i = 0; i < d.length; i++) {
            cum += areas[i];
            if (cum / total >= percent / 100.0) return d[i];
        }
        return d[d.length - 1];
    }

    /**
     * 8-bit neighbourhood codes on the corner grid: bit 128 for voxel (c-1, c-1, c-1) ... bit 1 for (c, c, c), as the
     * reference's kernel.
     */
    private static byte[] codes(boolean[] m, int[] dims, int[] lo, int[] hi, int[] g) {
        byte[] code = new byte
                [g[0] * g[1] * g[2]]; // bytes, not ints: the corner grid of a large case is tens of millions of points
        for (int cz = 0; cz < g[2]; cz++)
            for (int cy = 0; cy < g[1]; cy++)
                for (int cx = 0; cx < g[0]; cx++) {
                    int c = 0;
                    for (int kx = 0; kx < 2; kx++)
                        for (int ky = 0; ky < 2; ky++)
                            for (int kz = 0; kz < 2; kz++) {
                                int x = lo[0] + cx - 1 + kx, y = lo[1] + cy - 1 + ky, z = lo[2] + cz - 1 + kz;
                                if (x < lo[0] || y < lo[1] || z < lo[2] || x > hi[0] || y > hi[1] || z > hi[2])
                                    continue; // outside the crop: background
                                if (m[(z * dims[1] + y) * dims[0] + x]) c |= 1 << (7 - (4 * kx + 2 * ky + kz));
                            }
                    code[(cz * g[1] + cy) * g[0] + cx] = (byte) c;
                }
        return code;
    }

    private static boolean[] borders(byte[] code) {
        boolean[] b = new boolean[code.length];
        for (int i = 0; i < b.length; i++) b[i] = code[i] != 0 && code[i] != (byte) 255;
        return b;
    }

    private static double[] distancesTo(boolean[] border, int[] g, double[] spacing) {
        boolean any = false;
        for (boolean b : border) any |= b;
        if (!any) {
            double[] inf = new double[border.length];
            Arrays.fill(inf, Double.POSITIVE_INFINITY);
            return inf;
        }
        return DistanceTransform.distances(border, g, spacing);
    }

    /** {distances, areas} of one surface's elements, sorted by distance. */
    private static double[][] collect(boolean[] border, byte[] code, double[] distance, double[] area) {
        int n = 0;
        for (boolean b : border) if (b) n++;
        double[] d = new double[n], a = new double[n];
        int k = 0;
        for (int i = 0; i < border.length; i++) {
            if (!border[i]) continue;
            d[k] = distance[i];
            a[k] = area[code[i] & 0xFF];
            k++;
        }
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Arrays.sort(idx, (p, q) -> Double.compare(d[p], d[q]));
        double[] ds = new double[n], as = new double[n];
        for (int i = 0; i < n; i++) {
            ds[i] = d[idx[i]];
            as[i] = a[idx[i]];
        }
        return new double[][] {ds, as};
    }
}
