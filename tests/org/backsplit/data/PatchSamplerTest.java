package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.backsplit.data.patch.PatchSampler;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

class PatchSamplerTest {

    @Test
    void theLastThirdOfABatchIsForcedOntoForeground() {
        assertFalse(PatchSampler.forceForeground(0, 2));
        assertTrue(PatchSampler.forceForeground(1, 2)); // round(2 * 0.67) = 1
        assertEquals(
                2,
                java.util.stream.IntStream.range(0, 6)
                        .filter(j -> PatchSampler.forceForeground(j, 6))
                        .count()); // round(4.02) = 4
    }

    @Test
    void forcedPatchesContainTheTargetAndRandomOnesStayInRange() {
        int[] dims = {40, 30, 20};
        float[] labels = new float[24000];
        int lesion = (15 * 30 + 20) * 40 + 33; // one target voxel at (33, 20, 15)
        labels[lesion] = 1;
        for (int i = 0; i < 500; i++) labels[i] = 2; // an auxiliary class, not a foreground class here
        PreparedCase c = PreparedCase.of("c", new float[][] {new float[24000]}, labels, dims, new int[] {1});
        PatchSampler s = new PatchSampler(new int[] {16, 16, 16});
        Rng rng = new Rng(5);
        for (int k = 0; k < 50; k++) {
            float[][] p = s.extract(c, s.corner(c, true, rng));
            boolean found = false;
            for (float v : p[1]) found |= v == 1;
            assertTrue(found, "a forced patch holds the target voxel");
            int[] corner = s.corner(c, false, rng);
            for (int a = 0; a < 3; a++)
                assertTrue(corner[a] >= 0 && corner[a] + 16 <= dims[a], "random patches stay inside a larger image");
        }
    }

    @Test
    void patchesLargerThanTheImageArePaddedWith0AndMinus1() {
        int[] dims = {2, 1, 1};
        PreparedCase c = PreparedCase.of("c", new float[][] {{5, 6}}, new float[] {1, 0}, dims, new int[] {1});
        PatchSampler s = new PatchSampler(new int[] {4, 1, 1});
        // pad 2 along x: the corner ranges over [-1, -1] (lo = -1, hi = 2 + 1 + 0 - 4 = -1)
        int[] corner = s.corner(c, false, new Rng(1));
        assertArrayEquals(new int[] {-1, 0, 0}, corner);
        float[][] p = s.extract(c, corner);
        assertArrayEquals(new float[] {0, 5, 6, 0}, p[0]);
        assertArrayEquals(new float[] {-1, 1, 0, -1}, p[1]);
    }
}
