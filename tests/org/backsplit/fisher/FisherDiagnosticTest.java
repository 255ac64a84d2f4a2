package org.backsplit.fisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.PlainConvUNet;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

/** The diagnostic on a network: the identity holds in sum, the margin selects the voxels near the target. */
class FisherDiagnosticTest {

    @Test
    void sumsOverAllVoxelsAndNearTheTarget() {
        CpuBackend cpu = new CpuBackend(2);
        PlainConvUNet net = new PlainConvUNet(cpu, UNetPlan.isotropic(1, 4, 3, 4, 16));
        Initialization.he(net.parameters(), new Rng(3), 0.01);
        Shape xs = Shape.ndhwc(1, 8, 8, 8, 1);
        Random rnd = new Random(1);
        float[] img = new float[512], lab = new float[512];
        for (int i = 0; i < 512; i++) {
            img[i] = (float) rnd.nextGaussian();
            lab[i] = i % 3 == 0 ? 2 : 0;
        }
        lab[(4 * 8 + 4) * 8 + 4] = 1; // one target voxel in the middle
        FisherDiagnostic.Result r = FisherDiagnostic.measure(net, cpu.upload(img, xs), lab, 1, 1.0, new double[] {1, 1, 1});
        assertEquals(512, r.all().voxels());
        assertEquals(7, r.nearTarget().voxels(), "the voxel and its 6 face neighbours lie within 1 mm");
        assertEquals(r.all().traceY(), r.all().traceZ() + r.all().traceMissing(), 1e-9 * r.all().traceY());
        assertTrue(r.all().ratio() > 1 && r.nearTarget().ratio() > 1);
        assertEquals(3, r.all().ranking(1).length);
    }
}
