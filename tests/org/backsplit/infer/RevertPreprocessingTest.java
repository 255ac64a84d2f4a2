package org.backsplit.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.backsplit.data.preprocess.Resampling;
import org.junit.jupiter.api.Test;

/** Predictions go back into the crop box of the original grid, resampled as nnU-Net resamples logits. */
class RevertPreprocessingTest {

    private static float[] oneHotLogits(float[] labels, int k) {
        float[] l = new float[labels.length * k];
        for (int i = 0; i < labels.length; i++) l[i * k + (int) labels[i]] = 10f;
        return l;
    }

    @Test
    void withoutResamplingTheCropGoesBackInPlace() {
        int[] dims = {4, 3, 2};
        float[] labels = new float[24];
        for (int i = 0; i < 24; i++) labels[i] = i % 3;
        RevertPreprocessing.Geometry g = new RevertPreprocessing.Geometry(
                new int[] {7, 5, 4}, new int[][] {{2, 6}, {1, 4}, {1, 3}}, new double[] {1, 1, 1}, new double[] {1, 1, 1
                });
        RevertPreprocessing.Reverted r = RevertPreprocessing.revert(oneHotLogits(labels, 3), 3, dims, g);
        for (int z = 0; z < 4; z++)
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 7; x++) {
                    int o = (z * 5 + y) * 7 + x;
                    boolean inside = x >= 2 && x < 6 && y >= 1 && y < 4 && z >= 1 && z < 3;
                    int expected = inside ? (int) labels[((z - 1) * 3 + y - 1) * 4 + x - 2] : 0;
                    assertEquals(expected, r.segmentation()[o], "voxel " + x + "," + y + "," + z);
                    double sum = r.probabilities()[0][o] + r.probabilities()[1][o] + r.probabilities()[2][o];
                    assertEquals(1.0, sum, 1e-6);
                    if (!inside) assertEquals(1f, r.probabilities()[0][o], "outside the crop: background for certain");
                }
    }

    @Test
    void aSphereSurvivesTheRoundTripThroughACoarserSpacing() {
        int[] orig = {20, 18, 16}, coarse = {10, 9, 8};
        float[] labels = new float[20 * 18 * 16];
        for (int z = 0; z < 16; z++)
            for (int y = 0; y < 18; y++)
                for (int x = 0; x < 20; x++) {
                    double d2 = (x - 9.5) * (x - 9.5) + (y - 8.5) * (y - 8.5) + (z - 7.5) * (z - 7.5);
                    labels[(z * 18 + y) * 20 + x] = d2 < 36 ? 1 : 0;
                }
        float[] down = Resampling.labels(labels, orig, coarse, new double[] {1, 1, 1}, new double[] {1, 1, 1});
        RevertPreprocessing.Geometry g = new RevertPreprocessing.Geometry(
                orig, new int[][] {{0, 20}, {0, 18}, {0, 16}}, new double[] {1, 1, 1}, new double[] {2, 2, 2});
        int[] seg =
                RevertPreprocessing.revert(oneHotLogits(down, 2), 2, coarse, g).segmentation();
        int agree = 0, sphere = 0;
        for (int i = 0; i < labels.length; i++) {
            if (seg[i] == (int) labels[i]) agree++;
            sphere += (int) labels[i];
        }
        int wrong = labels.length - agree;
        assertTrue(
                wrong < 0.25 * sphere, wrong + " voxels differ, sphere of " + sphere + ": only its boundary may move");
        assertEquals(1, seg[(8 * 18 + 9) * 20 + 10]);
        assertEquals(0, seg[0]);
    }

    @Test
    void theAnisotropicAxisIsCopiedNotInterpolated() {
        int[] dims = {4, 4, 3}, orig = {4, 4, 9};
        float[] logits = new float[4 * 4 * 3 * 2];
        for (int z = 0; z < 3; z++)
            for (int i = 0; i < 16; i++) {
                logits[(z * 16 + i) * 2] = z; // background logit grows along z, the other stays 0
            }
        RevertPreprocessing.Geometry g = new RevertPreprocessing.Geometry(
                orig, new int[][] {{0, 4}, {0, 4}, {0, 9}}, new double[] {0.8, 0.8, 1.0}, new double[] {0.8, 0.8, 3.0
                }); // the plan's spacing is anisotropic: z on its own
        float[][] p = RevertPreprocessing.revert(logits, 2, dims, g).probabilities();
        java.util.Set<Float> levels = new java.util.TreeSet<>();
        for (int z = 0; z < 9; z++) levels.add(p[0][z * 16]);
        assertEquals(3, levels.size(), "nearest along z: only the three input slices' values appear, " + levels);
    }
}
