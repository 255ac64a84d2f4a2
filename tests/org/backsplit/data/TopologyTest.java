package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.backsplit.data.preprocess.Topology;
import org.backsplit.nn.UNetPlan;
import org.junit.jupiter.api.Test;

/** nnU-Net's topology rules, traced by hand. Axes (x, y, z). */
class TopologyTest {

    @Test
    void isotropicPatchPoolsEveryAxisFiveTimes() {
        Topology t = Topology.of(new double[] {1, 1, 1}, new int[] {128, 128, 128});
        assertEquals(6, t.strides().length);
        assertArrayEquals(new int[] {1, 1, 1}, t.strides()[0]);
        for (int i = 1; i < 6; i++) assertArrayEquals(new int[] {2, 2, 2}, t.strides()[i]);
        for (int[] k : t.kernels()) assertArrayEquals(new int[] {3, 3, 3}, k);
        assertArrayEquals(new int[] {128, 128, 128}, t.patch());
        assertEquals(
                31_197_204L,
                org.backsplit.nn.Architecture.UNET
                        .build(new org.backsplit.backend.cpu.CpuBackend(1), plan(t, 1, 4))
                        .parameterCount());
    }

    /**
     * KiTS-like: 0.8 x 0.8 x 3.0 mm, patch 224 x 224 x 40. Round 1 pools x, y only (z is 3.75 times coarser) with 1x3x3
     * kernels; then z is within 2x: rounds 2-4 pool all axes (z: 40 -> 20 -> 10 -> 5); round 5 pools x, y (z has 5 < 8
     * voxels left); then x, y have 7 < 8. Patch divisible by 32 in-plane and 8 along z.
     */
    @Test
    void anisotropicKitsLikeSpacing() {
        Topology t = Topology.of(new double[] {0.8, 0.8, 3.0}, new int[] {224, 224, 40});
        int[][] strides = {{1, 1, 1}, {2, 2, 1}, {2, 2, 2}, {2, 2, 2}, {2, 2, 2}, {2, 2, 1}};
        int[][] kernels = {{3, 3, 1}, {3, 3, 3}, {3, 3, 3}, {3, 3, 3}, {3, 3, 3}, {3, 3, 3}};
        assertEquals(strides.length, t.strides().length);
        for (int i = 0; i < strides.length; i++) {
            assertArrayEquals(strides[i], t.strides()[i], "stride " + i);
            assertArrayEquals(kernels[i], t.kernels()[i], "kernel " + i);
        }
        assertArrayEquals(new int[] {32, 32, 8}, t.divisibleBy());
        assertArrayEquals(new int[] {224, 224, 40}, t.patch());
        UNetPlan plan = plan(t, 1, 3);
        assertArrayEquals(new int[] {1, 3, 3}, plan.kernels()[0]); // (D, H, W) = (z, y, x)
        assertArrayEquals(new int[] {1, 2, 2}, plan.strides()[1]);
        assertArrayEquals(new int[] {32, 64, 128, 256, 320, 320}, plan.features());
    }

    /** nnU-Net's widths (32 doubling to 320) on the topology, in the network's (z, y, x) axis order. */
    static UNetPlan plan(Topology t, int in, int classes) {
        return UNetPlan.withKernelsAndStrides(in, classes, 32, 320, t.kernelsZyx(), t.stridesZyx());
    }

    @Test
    void patchesArePaddedToTheTotalStride() {
        Topology t = Topology.of(new double[] {1, 1, 1}, new int[] {100, 90, 70});
        for (int a = 0; a < 3; a++) assertEquals(0, t.patch()[a] % t.divisibleBy()[a]);
        // 100 -> 50 -> 25 -> 13 -> 7, 90 -> 45 -> 23 -> 12 -> 6, 70 -> 35 -> 18 -> 9 -> 5: four pools per axis,
        // multiples of 16
        assertArrayEquals(new int[] {112, 96, 80}, t.patch());
    }
}
