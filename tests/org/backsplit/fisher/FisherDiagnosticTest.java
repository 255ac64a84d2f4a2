package org.backsplit.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

/** The diagnostic on a network: the identity holds in sum, tiles cover each voxel once, the margin spans tiles. */
class FisherDiagnosticTest {
    private static final CpuBackend CPU = new CpuBackend(2);

    private static SegmentationNetwork network() {
        SegmentationNetwork net = Architecture.UNET.build(CPU, UNetPlan.isotropic(1, 4, 3, 4, 16));
        Initialization.he(net.backend(), net.parameters(), new Rng(3), 0.01);
        return net;
    }

    private static PreparedCase randomCase(int[] dims, int targetVoxel) {
        int v = dims[0] * dims[1] * dims[2];
        Random rnd = new Random(1);
        float[] img = new float[v], lab = new float[v];
        for (int i = 0; i < v; i++) {
            img[i] = (float) rnd.nextGaussian();
            lab[i] = i % 3 == 0 ? 2 : i % 5 == 0 ? 3 : 0;
        }
        lab[targetVoxel] = 1;
        return PreparedCase.of("case", new float[][] {img}, lab, dims, new int[] {1});
    }

    @Test
    void sumsOverAllVoxelsAndNearTheTarget() {
        PreparedCase c = randomCase(new int[] {8, 8, 8}, (4 * 8 + 4) * 8 + 4);
        FisherDiagnostic.Result r =
                FisherDiagnostic.measure(network(), List.of(c), new int[] {8, 8, 8}, 1, 1.0, new double[] {1, 1, 1});
        assertEquals(512, r.all().voxels());
        assertEquals(7, r.nearTarget().voxels(), "the voxel and its 6 face neighbours lie within 1 mm");
        assertEquals(
                r.all().traceY(),
                r.all().traceZ() + r.all().traceMissing(),
                1e-9 * r.all().traceY());
        assertTrue(r.all().ratio() > 1 && r.nearTarget().ratio() > 1);
        assertEquals(3, r.all().ranking(1).length);
        double sum = 0;
        for (double s : r.all().shareFractions()) sum += s;
        assertEquals(1.0, sum, 1e-9);
    }

    @Test
    void tilesCoverEveryVoxelOnceAndTheMarginCrossesTiles() {
        int[] dims = {12, 10, 9};
        int target = (8 * 10 + 7) * 12 + 7; // x = 7, y = 7, z = 8: a face from the first tile's border
        PreparedCase c = randomCase(dims, target);
        FisherDiagnostic.Result r =
                FisherDiagnostic.measure(network(), List.of(c), new int[] {8, 8, 8}, 1, 2.0, new double[] {1, 1, 1});
        assertEquals(12 * 10 * 9, r.all().voxels());
        int near = 0; // brute force over the whole case: voxels within 2 mm of (7, 7, 8)
        for (int z = 0; z < dims[2]; z++)
            for (int y = 0; y < dims[1]; y++)
                for (int x = 0; x < dims[0]; x++) {
                    if ((x - 7) * (x - 7) + (y - 7) * (y - 7) + (z - 8) * (z - 8) <= 4) near++;
                }
        assertEquals(near, r.nearTarget().voxels());
    }

    @Test
    void cornersCoverTheCaseAndPadSmallAxes() {
        List<int[]> corners = FisherDiagnostic.corners(new int[] {20, 8, 5}, new int[] {8, 8, 8});
        assertEquals(3, corners.size());
        assertEquals(List.of(0, 8, 12), corners.stream().map(a -> a[0]).toList());
        assertTrue(corners.stream().allMatch(a -> a[1] == 0 && a[2] == -1));
    }
}
