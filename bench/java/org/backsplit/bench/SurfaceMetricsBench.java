package org.backsplit.bench;

import java.util.concurrent.TimeUnit;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.util.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One case's full scoring (Dice, HD95, NSD at 2 mm, lesion-wise errors) on a 512 x 512 x 300 CT-like grid (0.8 x 0.8 x
 * 2 mm) with realistic lesions: eight spheres of 3-20 voxels radius; the prediction shifts each by a voxel, grows or
 * shrinks it, misses one and adds two small false positives. `organ`: the lesions lie in one organ-sized region (the
 * usual case: the surfaces' joint bounding box is a fraction of the image); `spread`: anywhere in the image (the worst
 * case: the box is nearly the whole grid). Run: bench/jmh.sh SurfaceMetricsBench
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx8g"})
public class SurfaceMetricsBench {
    static final int[] DIMS = {512, 512, 300};
    static final double[] SPACING = {0.8, 0.8, 2.0};

    @Param({"organ", "spread"})
    public String layout;

    float[] reference, prediction;

    @Setup
    public void make() {
        Rng rng = new Rng(7);
        int n = DIMS[0] * DIMS[1] * DIMS[2];
        reference = new float[n];
        prediction = new float[n];
        boolean organ = layout.equals("organ");
        for (int l = 0; l < 8; l++) {
            int r = 3 + rng.nextInt(18);
            int[] c = organ
                    ? new int[] {150 + rng.nextInt(200), 150 + rng.nextInt(150), 100 + rng.nextInt(60)}
                    : new int[] {30 + rng.nextInt(452), 30 + rng.nextInt(452), 15 + rng.nextInt(270)};
            sphere(reference, c, r);
            if (l == 0) continue; // missed
            sphere(prediction, new int[] {c[0] + 1, c[1] - 1, c[2]}, Math.max(2, r + rng.nextInt(3) - 1));
        }
        sphere(prediction, organ ? new int[] {120, 140, 90} : new int[] {40, 470, 280}, 3);
        sphere(prediction, organ ? new int[] {330, 300, 170} : new int[] {480, 40, 20}, 4);
    }

    private static void sphere(float[] m, int[] c, int r) {
        double zr = r * SPACING[0] / SPACING[2]; // round in mm, not in voxels
        for (int z = (int) Math.max(0, c[2] - zr - 1); z <= Math.min(DIMS[2] - 1, c[2] + zr + 1); z++)
            for (int y = Math.max(0, c[1] - r); y <= Math.min(DIMS[1] - 1, c[1] + r); y++)
                for (int x = Math.max(0, c[0] - r); x <= Math.min(DIMS[0] - 1, c[0] + r); x++) {
                    double dz = (z - c[2]) * SPACING[2] / SPACING[0];
                    if ((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1]) + dz * dz <= r * r)
                        m[(z * DIMS[1] + y) * DIMS[0] + x] = 1;
                }
    }

    @Benchmark
    public CaseMetrics scoreOneCase() {
        return CaseMetrics.of("bench", 1, prediction, reference, DIMS, SPACING, 2.0);
    }
}
