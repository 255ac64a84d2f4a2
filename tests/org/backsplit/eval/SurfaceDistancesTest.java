package org.backsplit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * HD and NSD against the values the reference implementation's own tests state (DeepMind's surface-distance, its 3D
 * cases: two single voxels 2 mm apart at spacing (3, 2, 1); two slabs that differ by one slice at spacing (2, 1, 1)
 * touching the image border; empty masks), plus cases worked out by hand.
 */
class SurfaceDistancesTest {

    private static int idx(int[] d, int x, int y, int z) {
        return (z * d[1] + y) * d[0] + x;
    }

    @Test
    void twoSingleVoxelsTwoMillimetresApart() {
        int[] d = {128, 128, 128};
        boolean[] gt = new boolean[128 * 128 * 128], pred = new boolean[gt.length];
        gt[idx(d, 50, 60, 70)] = true;
        pred[idx(d, 50, 60, 72)] = true;
        SurfaceDistances s = SurfaceDistances.of(gt, pred, d, new double[] {3, 2, 1});
        assertArrayEquals(new double[] {1.5, 1.5}, s.averageDistances(), 1e-3);
        assertEquals(2.0, s.hausdorff(100), 1e-3);
        assertEquals(2.0, s.hausdorff(95), 1e-3);
        assertEquals(0.5, s.surfaceDice(1), 1e-3);
    }

    @Test
    void twoSlabsShiftedByOneSliceAtTheImageBorder() {
        int[] d = {100, 100, 100};
        boolean[] gt = new boolean[100 * 100 * 100], pred = new boolean[gt.length];
        for (int z = 0; z < 100; z++)
            for (int y = 0; y < 100; y++)
                for (int x = 0; x < 51; x++) {
                    pred[idx(d, x, y, z)] = true;
                    gt[idx(d, x, y, z)] = x < 50;
                }
        SurfaceDistances s = SurfaceDistances.of(gt, pred, d, new double[] {2, 1, 1});
        assertArrayEquals(new double[] {0.322, 0.339}, s.averageDistances(), 1e-3);
        assertEquals(2.0, s.hausdorff(100), 1e-3);
        assertEquals(2.0, s.hausdorff(95), 1e-3);
        assertEquals(0.836, s.surfaceDice(1), 1e-3);
        // per direction at 1 mm: the reference states 0.842 (reference surface) and 0.830 (predicted surface)
        assertEquals(0.842, fractionWithin(s.gtToPred(), s.gtAreas(), 1), 1e-3);
        assertEquals(0.830, fractionWithin(s.predToGt(), s.predAreas(), 1), 1e-3);
    }

    private static double fractionWithin(double[] dist, double[] area, double tol) {
        double in = 0, all = 0;
        for (int i = 0; i < dist.length; i++) {
            all += area[i];
            if (dist[i] <= tol) in += area[i];
        }
        return in / all;
    }

    @Test
    void aThinPlateAgainstTheSamePlateOneVoxelOver() {
        // one voxel thick, inside the image: each plate's two faces lie on corner planes x = 5, 6 (reference) and
        // x = 6, 7 (prediction); half of each surface coincides with the other's, half is 1 mm away
        int[] d = {12, 10, 10};
        boolean[] gt = new boolean[12 * 10 * 10], pred = new boolean[gt.length];
        for (int z = 2; z < 8; z++)
            for (int y = 2; y < 8; y++) {
                gt[idx(d, 5, y, z)] = true;
                pred[idx(d, 6, y, z)] = true;
            }
        SurfaceDistances s = SurfaceDistances.of(gt, pred, d, new double[] {1, 1, 1});
        assertEquals(1.0, s.hausdorff(95), 1e-12);
        assertEquals(1.0, s.hausdorff(100), 1e-12);
        assertEquals(1.0, s.surfaceDice(1), 1e-12, "every element within 1 mm (inclusive)");
        double half = s.surfaceDice(0.5);
        assertTrue(half > 0.4 && half < 0.6, "about half the area coincides: " + half);
    }

    @Test
    void emptyMasksFollowTheReference() {
        int[] d = {16, 16, 16};
        boolean[] one = new boolean[16 * 16 * 16], none = new boolean[one.length];
        one[idx(d, 5, 6, 7)] = true;
        double[] sp = {3, 2, 1};
        SurfaceDistances missed = SurfaceDistances.of(one, none, d, sp),
                spurious = SurfaceDistances.of(none, one, d, sp),
                empty = SurfaceDistances.of(none, none, d, sp);
        assertEquals(Double.POSITIVE_INFINITY, missed.hausdorff(95));
        assertEquals(0.0, missed.surfaceDice(1));
        assertEquals(Double.POSITIVE_INFINITY, spurious.hausdorff(95));
        assertEquals(0.0, spurious.surfaceDice(1));
        assertEquals(Double.POSITIVE_INFINITY, empty.hausdorff(95));
        assertTrue(Double.isNaN(empty.surfaceDice(1)));
    }

    @Test
    void identicalMasksAndAnIsolatedVoxelsArea() {
        int[] d = {9, 8, 7};
        boolean[] m = new boolean[9 * 8 * 7];
        for (int z = 2; z < 5; z++)
            for (int y = 1; y < 6; y++) for (int x = 3; x < 8; x++) m[idx(d, x, y, z)] = true; // touches nothing
        SurfaceDistances s = SurfaceDistances.of(m, m, d, new double[] {0.7, 1.3, 2.5});
        assertEquals(0.0, s.hausdorff(100));
        assertEquals(1.0, s.surfaceDice(0));
        // one voxel: 8 corner elements, each a triangle with normal (1/8, 1/8, 1/8) on a unit grid
        boolean[] v = new boolean[m.length];
        v[idx(d, 4, 4, 4)] = true;
        SurfaceDistances one = SurfaceDistances.of(v, v, d, new double[] {1, 1, 1});
        double total = 0;
        for (double a : one.gtAreas()) total += a;
        assertEquals(8, one.gtAreas().length);
        assertEquals(8 * Math.sqrt(3) / 8, total, 1e-12);
    }

    @Test
    void aConfigurationAndItsComplementHaveTheSameSurfaceAsTheReferenceTableStates() {
        // rows of the reference table's second half (codes 241, 244, 248, 250, 252), which the table here derives by
        // complement
        assertArrayEquals(
                new double[][] {{-0.5, 0, 0}, {-0.25, 0.25, 0.25}, {-0.125, 0.125, 0.125}}, SurfelTable.BY_CODE[241]);
        assertArrayEquals(
                new double[][] {{0.5, 0, 0}, {-0.25, -0.25, 0.25}, {-0.125, -0.125, 0.125}}, SurfelTable.BY_CODE[244]);
        assertArrayEquals(
                new double[][] {{0.5, 0, 0}, {0.25, 0.25, 0.25}, {0.125, 0.125, 0.125}}, SurfelTable.BY_CODE[248]);
        assertArrayEquals(new double[][] {{-0.25, 0, -0.25}, {0.25, 0, 0.25}}, SurfelTable.BY_CODE[250]);
        assertArrayEquals(new double[][] {{-0.25, -0.25, 0}, {0.25, 0.25, 0}}, SurfelTable.BY_CODE[252]);
        assertArrayEquals(new double[][] {{0, 0, 0}}, SurfelTable.BY_CODE[255]);
    }
}
