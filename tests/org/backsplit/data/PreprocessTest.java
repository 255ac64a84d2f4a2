package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.backsplit.data.preprocess.CropToNonzero;
import org.backsplit.data.preprocess.IntensityStatistics;
import org.backsplit.data.preprocess.Normalization;
import org.junit.jupiter.api.Test;

/** Cropping and normalisation against values worked out by hand. */
class PreprocessTest {

    @Test
    void cropsToTheFilledNonzeroBoxAndMarksTheOutside() {
        // 6^3 volume: a hollow 3^3 cube of 7s at [1, 4) with an enclosed zero at (2, 2, 2), and a lone 5 at (4, 4, 4)
        int[] dims = {6, 6, 6};
        float[] img = new float[216], lab = new float[216];
        for (int z = 1; z < 4; z++)
            for (int y = 1; y < 4; y++) for (int x = 1; x < 4; x++) img[(z * 6 + y) * 6 + x] = 7;
        img[(2 * 6 + 2) * 6 + 2] = 0;
        img[(4 * 6 + 4) * 6 + 4] = 5;
        lab[(1 * 6 + 1) * 6 + 1] = 1;
        lab[(4 * 6 + 1) * 6 + 4] = 2; // a labelled voxel outside the non-zero region keeps its label
        CropToNonzero.Cropped c = CropToNonzero.crop(new float[][] {img}, lab, dims);
        assertArrayEquals(new int[] {4, 4, 4}, c.dims()); // box [1, 5) on every axis
        for (int a = 0; a < 3; a++) assertArrayEquals(new int[] {1, 5}, c.box()[a]);
        // cropped index of original (x, y, z): ((z - 1) * 4 + (y - 1)) * 4 + (x - 1)
        int hole = ((2 - 1) * 4 + (2 - 1)) * 4 + (2 - 1), corner = ((1 - 1) * 4 + (1 - 1)) * 4 + (4 - 1);
        assertEquals(0f, c.channels()[0][hole]);
        assertEquals(0f, c.labels()[hole], "an enclosed hole is filled: inside the region, its label stays 0");
        assertEquals(-1f, c.labels()[corner], "a zero voxel in the box but outside the region is marked -1");
        assertEquals(1f, c.labels()[0]);
        assertEquals(2f, c.labels()[((4 - 1) * 4 + 0) * 4 + 3]);
        assertEquals(5f, c.channels()[0][63]);
    }

    /** As scipy's binary_fill_holes: a "hole" that touches the border along any axis is not a hole. */
    @Test
    void singleSliceHolesTouchTheBorder() {
        float[] img = {7, 7, 7, 7, 0, 7, 7, 7, 7};
        CropToNonzero.Cropped c = CropToNonzero.crop(new float[][] {img}, new float[9], new int[] {3, 3, 1});
        assertEquals(-1f, c.labels()[4]);
    }

    @Test
    void percentilesAndMomentsAsNumpy() {
        float[] v = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
        IntensityStatistics s = IntensityStatistics.of(v);
        assertEquals(5.5, s.mean(), 1e-12);
        assertEquals(Math.sqrt(8.25), s.std(), 1e-12); // population std (numpy's default)
        assertEquals(1.045, s.percentile005(), 1e-12); // 1 + 0.005 * 9
        assertEquals(9.955, s.percentile995(), 1e-12);
        assertEquals(10, s.voxels());
    }

    @Test
    void ctAndZScoreNormalisation() {
        IntensityStatistics stats = new IntensityStatistics(100, 50, -200, 400, -1000, 3000, 1000);
        float[] ct = new Normalization.Ct(stats).apply(new float[] {-1000, 100, 150, 3000}, null);
        assertArrayEquals(new float[] {-6f, 0f, 1f, 6f}, ct, 1e-6f); // clipped to [-200, 400] first

        float[] img = {1, 2, 3, 100};
        float[] labels = {0, 1, 0, -1}; // the last voxel is outside the non-zero region
        float[] whole = new Normalization.ZScore(false).apply(img, labels);
        double mean = 26.5, sd = Math.sqrt((25.5 * 25.5 + 24.5 * 24.5 + 23.5 * 23.5 + 73.5 * 73.5) / 4);
        assertEquals((float) ((1 - mean) / sd), whole[0], 1e-6f);
        float[] masked = new Normalization.ZScore(true).apply(img, labels);
        double sdm = Math.sqrt(2.0 / 3);
        assertArrayEquals(new float[] {(float) (-1 / sdm), 0f, (float) (1 / sdm), 0f}, masked, 1e-6f);
    }
}
