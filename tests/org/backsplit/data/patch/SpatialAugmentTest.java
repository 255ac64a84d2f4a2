package org.backsplit.data.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

class SpatialAugmentTest {

    @Test
    void theCutPatchHoldsTheRotatedPatch() {
        int[] init = SpatialAugment.initialSize(new int[] {64, 64, 64});
        for (int a = 0; a < 3; a++) assertTrue(init[a] > 64 * 1.3 && init[a] < 64 * 2.2, "initial " + init[a]);
        // a 2D patch turns in its plane by up to 180 degrees: its cut holds the diagonal, one slice thick
        int[] flat = SpatialAugment.initialSize(new int[] {128, 128, 1});
        assertEquals(1, flat[2]);
        for (int a = 0; a < 2; a++)
            assertTrue(flat[a] >= Math.sqrt(2) * 128 / 0.85 - 1 && flat[a] < 128 * 1.8, "in-plane " + flat[a]);
        int[] elongated = SpatialAugment.initialSize(
                new int[] {128, 32, 1}); // > 1.5:1: nnU-Net's 2D turns it by 15 degrees at most
        assertTrue(elongated[1] < 128, "a 15-degree turn of 128 x 32 needs " + elongated[1]);
    }

    @Test
    void aTwoDimensionalPatchNeverMixesSlices() {
        SpatialAugment s = new SpatialAugment(new int[] {9, 7, 1});
        assertEquals(1, s.initial()[2]);
        float[][] cut = coded(s.initial());
        for (long seed = 0; seed < 40; seed++) {
            float[][] out = s.apply(cut, new Rng(seed));
            // slice 0 codes x + 100 y < 5000; any blend with slice 1 (+10000) would be >= 5000
            for (float v : out[0]) assertTrue(Float.isFinite(v) && v < 5000, "only slice 0's values: " + v);
        }
    }

    private static float[][] coded(int[] dims) {
        int n = dims[0] * dims[1] * dims[2];
        float[][] v = new float[2][n];
        for (int z = 0, i = 0; z < dims[2]; z++)
            for (int y = 0; y < dims[1]; y++)
                for (int x = 0; x < dims[0]; x++, i++) {
                    v[0][i] = x + 100 * y + 10000 * z;
                    v[1][i] = i % 5;
                }
        return v;
    }

    @Test
    void noRotationNoScalingIsACentreCrop() {
        SpatialAugment s = new SpatialAugment(new int[] {6, 6, 6});
        float[][] cut = coded(s.initial());
        float[][] exact = s.transform(cut, SpatialAugment.rotation(0, 0, 0), 1, false);
        float[][] interpolated = s.transform(cut, SpatialAugment.rotation(0, 0, 0), 1, true);
        assertArrayEquals(exact[1], interpolated[1]);
        // the offset (initial - patch) / 2 may be half a voxel: then trilinear averages two neighbours in x
        for (int i = 0; i < exact[0].length; i++) assertEquals(exact[0][i], interpolated[0][i], 51f);
    }

    @Test
    void aQuarterTurnAboutZTurnsXIntoY() {
        SpatialAugment s = new SpatialAugment(new int[] {5, 5, 1});
        int[] in = s.initial();
        float[][] cut = new float[2][in[0] * in[1] * in[2]];
        // a label line along +x from the centre of the cut
        int cx = (in[0] - 1) / 2, cy = (in[1] - 1) / 2, cz = (in[2] - 1) / 2;
        boolean odd = (in[0] - 5) % 2 == 0 && (in[1] - 5) % 2 == 0 && (in[2] - 1) % 2 == 0;
        org.junit.jupiter.api.Assumptions.assumeTrue(odd, "centres align only when the size differences are even");
        for (int d = 0; d <= 2; d++) cut[1][(cz * in[1] + cy) * in[0] + cx + d] = 1;
        float[][] out = s.transform(cut, SpatialAugment.rotation(0, 0, Math.PI / 2), 1, true);
        // output (x, y) samples input R * (x - 2, y - 2): (-(y - 2), x - 2); the line x >= cx appears along y <= 2
        for (int d = 0; d <= 2; d++) assertEquals(1f, out[1][(2 - d) * 5 + 2], "voxel (2, " + (2 - d) + ")");
    }

    @Test
    void deterministicForAGivenGenerator() {
        SpatialAugment s = new SpatialAugment(new int[] {6, 5, 4});
        float[][] cut = coded(s.initial());
        for (long seed = 0; seed < 10; seed++) {
            assertArrayEquals(s.apply(cut, new Rng(seed))[0], s.apply(cut, new Rng(seed))[0]);
        }
    }
}
