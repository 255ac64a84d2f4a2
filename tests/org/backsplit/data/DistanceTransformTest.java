package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.backsplit.data.geometry.DistanceTransform;
import org.junit.jupiter.api.Test;

/** The separable transform against brute force, anisotropic spacing, sparse and dense masks, border objects. */
class DistanceTransformTest {

    @Test
    void matchesBruteForce() {
        Random rnd = new Random(3);
        int[][] shapes = {{7, 5, 4}, {1, 9, 6}, {12, 1, 1}, {6, 6, 6}};
        double[][] spacings = {{0.8, 1.3, 3.0}, {1, 0.5, 2}, {2.5, 1, 1}, {1, 1, 1}};
        for (int s = 0; s < shapes.length; s++) {
            int[] d = shapes[s];
            int n = d[0] * d[1] * d[2];
            for (double density : new double[] {0.02, 0.3}) {
                boolean[] m = new boolean[n];
                for (int i = 0; i < n; i++) m[i] = rnd.nextDouble() < density;
                m[0] = true; // at least one voxel, on the border
                double[] fast = DistanceTransform.squared(m, d, spacings[s]);
                for (int i = 0; i < n; i++) {
                    int x = i % d[0], y = (i / d[0]) % d[1], z = i / (d[0] * d[1]);
                    double best = Double.MAX_VALUE;
                    for (int j = 0; j < n; j++) {
                        if (!m[j]) continue;
                        double dx = (x - j % d[0]) * spacings[s][0], dy = (y - (j / d[0]) % d[1]) * spacings[s][1];
                        double dz = (z - j / (d[0] * d[1])) * spacings[s][2];
                        best = Math.min(best, dx * dx + dy * dy + dz * dz);
                    }
                    assertEquals(best, fast[i], 1e-9, "voxel " + i + " of shape " + java.util.Arrays.toString(d));
                }
            }
        }
    }
}
