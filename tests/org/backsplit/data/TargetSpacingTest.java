package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.backsplit.data.preprocess.TargetSpacing;
import org.junit.jupiter.api.Test;

/** nnU-Net's target-spacing rule, by hand. Axis order here is (x, y, z). */
class TargetSpacingTest {

    @Test
    void isotropicEnoughDatasetsTakeTheMedian() {
        List<double[]> sp =
                List.of(new double[] {0.8, 0.8, 1.0}, new double[] {0.7, 0.7, 2.0}, new double[] {0.9, 0.9, 1.5});
        List<int[]> sh = List.of(new int[] {512, 512, 300}, new int[] {512, 512, 200}, new int[] {512, 512, 250});
        assertArrayEquals(new double[] {0.8, 0.8, 1.5}, TargetSpacing.fullres(sp, sh), 1e-12);
    }

    /** KiTS-like: 3 mm slices of 0.8 mm pixels, few slices: z takes the 10th percentile of its spacings. */
    @Test
    void anisotropicDatasetsTakeTheTenthPercentileOfTheCoarseAxis() {
        List<double[]> sp = List.of(
                new double[] {0.8, 0.8, 3.0},
                new double[] {0.8, 0.8, 3.0},
                new double[] {0.75, 0.75, 2.5},
                new double[] {0.8, 0.8, 5.0},
                new double[] {0.85, 0.85, 3.0});
        List<int[]> sh = List.of(
                new int[] {512, 512, 100},
                new int[] {512, 512, 90},
                new int[] {512, 512, 120},
                new int[] {512, 512, 60},
                new int[] {512, 512, 110});
        // z spacings sorted 2.5 3 3 3 5: 10th percentile at position 0.4 -> 2.5 + 0.4 * 0.5 = 2.7
        assertArrayEquals(new double[] {0.8, 0.8, 2.7}, TargetSpacing.fullres(sp, sh), 1e-12);
    }

    @Test
    void theCoarseAxisNeverGetsFinerThanTheOthers() {
        List<double[]> sp =
                List.of(new double[] {1.0, 1.0, 4.0}, new double[] {1.0, 1.0, 4.0}, new double[] {1.0, 1.0, 0.5});
        List<int[]> sh = List.of(new int[] {300, 300, 40}, new int[] {300, 300, 40}, new int[] {300, 300, 40});
        // 10th percentile of 0.5, 4, 4 is 0.5 + 0.2 * 3.5 = 1.2 > 1.0: kept
        assertArrayEquals(new double[] {1.0, 1.0, 1.2}, TargetSpacing.fullres(sp, sh), 1e-12);
        List<double[]> sp2 = List.of(
                new double[] {1.0, 1.0, 4.0},
                new double[] {1.0, 1.0, 4.0},
                new double[] {1.0, 1.0, 0.2},
                new double[] {1.0, 1.0, 0.2},
                new double[] {1.0, 1.0, 4.0});
        List<int[]> sh2 = List.of(
                new int[] {300, 300, 40},
                new int[] {300, 300, 40},
                new int[] {300, 300, 40},
                new int[] {300, 300, 40},
                new int[] {300, 300, 40});
        // 10th percentile 0.2 < 1.0: becomes max(1.0, 0.2) + 1e-5
        assertArrayEquals(new double[] {1.0, 1.0, 1.00001}, TargetSpacing.fullres(sp2, sh2), 1e-12);
    }
}
