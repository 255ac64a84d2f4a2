package org.backsplit.data.patch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

/** Each augmentation's defining property, and the whole chain's determinism and label handling. */
class AugmenterTest {
    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 3 + 10);
        return v;
    }

    @Test
    void gammaKeepsMeanAndStdAndContrastKeepsTheRange() {
        float[] v = random(1000, 1);
        double[] before = Augmenter.meanStd(v);
        Augmenter.gamma(v, 1.4, false);
        double[] after = Augmenter.meanStd(v);
        assertEquals(before[0], after[0], 1e-4);
        assertEquals(before[1], after[1], 1e-4);
        Augmenter.gamma(v, 0.7, true);
        assertEquals(before[0], Augmenter.meanStd(v)[0], 1e-4);

        float[] w = random(1000, 2);
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float x : w) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        Augmenter.contrast(w, 1.25);
        for (float x : w) assertTrue(x >= min && x <= max);
    }

    @Test
    void blurKeepsConstantsAndSpreadsADeltaAsAGaussian() {
        int[] dims = {9, 9, 9};
        float[] c = new float[729];
        java.util.Arrays.fill(c, 3f);
        Augmenter.blur(c, dims, 0.8);
        for (float x : c) assertEquals(3f, x, 1e-5f);
        float[] delta = new float[729];
        delta[(4 * 9 + 4) * 9 + 4] = 1;
        Augmenter.blur(delta, dims, 0.8);
        double k0 = 1, sum = 0;
        for (int i = -3; i <= 3; i++) sum += Math.exp(-0.5 * i * i / 0.64);
        k0 /= sum;
        assertEquals(k0 * k0 * k0, delta[(4 * 9 + 4) * 9 + 4], 1e-6);
        double total = 0;
        for (float x : delta) total += x;
        assertEquals(1, total, 1e-5);
    }

    @Test
    void mirroringTwiceIsTheIdentityAndFlipsTheRightAxis() {
        int[] dims = {3, 2, 2};
        float[] v = new float[12];
        for (int i = 0; i < 12; i++) v[i] = i;
        float[] m = v.clone();
        Augmenter.mirror(m, dims, 0);
        assertArrayEquals(new float[] {2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9}, m);
        Augmenter.mirror(m, dims, 0);
        assertArrayEquals(v, m);
        Augmenter.mirror(m, dims, 2);
        assertArrayEquals(new float[] {6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5}, m);
    }

    @Test
    void lowResolutionKeepsConstants() {
        float[] c = new float[8 * 8 * 8];
        java.util.Arrays.fill(c, -2f);
        for (float x : Augmenter.lowResolution(c, new int[] {8, 8, 8}, 0.5)) assertEquals(-2f, x, 1e-5f);
    }

    @Test
    void theChainIsDeterministicMirrorsLabelsWithTheImageAndMapsOutsideToBackground() {
        int[] dims = {6, 5, 4};
        int n = 120;
        Augmenter aug = Augmenter.nnUNet();
        for (long seed = 0; seed < 20; seed++) {
            float[] labels = new float[n];
            labels[0] = 1;
            labels[n - 1] = -1;
            float[][] a = {random(n, seed)};
            float[][] b = {a[0].clone()};
            float[] la = labels.clone(), lb = labels.clone();
            aug.apply(a, la, dims, new Rng(seed));
            aug.apply(b, lb, dims, new Rng(seed));
            assertArrayEquals(a[0], b[0]);
            assertArrayEquals(la, lb);
            int ones = 0;
            for (float v : la) {
                assertTrue(v == 0 || v == 1, "labels are only moved, -1 becomes 0");
                if (v == 1) ones++;
            }
            assertEquals(1, ones);
            int where = 0;
            for (int i = 0; i < n; i++) if (la[i] == 1) where = i;
            int x = where % 6, y = (where / 6) % 5, z = where / 30;
            assertTrue(
                    (x == 0 || x == 5) && (y == 0 || y == 4) && (z == 0 || z == 3),
                    "the labelled corner stays a corner");
        }
    }
}
