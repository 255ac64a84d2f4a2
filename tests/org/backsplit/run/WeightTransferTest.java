package org.backsplit.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.backsplit.backend.Backend;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.Parameter;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

/**
 * A binary network grown into a BackSplit one: the body copied, the heads' shared classes copied, new classes kept
 * fresh.
 */
class WeightTransferTest {

    @Test
    void growsTheHeadsAndCopiesEverythingElse() {
        Backend b = new CpuBackend(1);
        SegmentationNetwork binary = Architecture.UNET.build(b, UNetPlan.isotropic(1, 2, 3, 4, 8));
        SegmentationNetwork backsplit = Architecture.UNET.build(b, UNetPlan.isotropic(1, 5, 3, 4, 8));
        Initialization.he(binary.backend(), binary.parameters(), new Rng(1), 0.01);
        Initialization.he(backsplit.backend(), backsplit.parameters(), new Rng(2), 0.01);
        float[][] freshHeads =
                backsplit.parameters().stream().map(p -> b.download(p.value())).toArray(float[][]::new);
        WeightTransfer.copy(binary, backsplit);
        for (int i = 0; i < backsplit.parameters().size(); i++) {
            Parameter to = backsplit.parameters().get(i),
                    from = binary.parameters().get(i);
            assertEquals(from.name(), to.name());
            float[] got = b.download(to.value()), src = b.download(from.value());
            if (!to.name().startsWith("decoder.seg_layers.")) {
                assertArrayEquals(src, got, to.name());
                continue;
            }
            int rowsFrom = from.value().shape().dim(0), perRow = src.length / rowsFrom;
            assertArrayEquals(src, Arrays.copyOf(got, src.length), to.name() + ": background and lesion rows copied");
            assertArrayEquals(
                    Arrays.copyOfRange(freshHeads[i], src.length, got.length),
                    Arrays.copyOfRange(got, src.length, got.length),
                    to.name() + ": auxiliary rows keep their initialisation");
            assertNotEquals(0, perRow);
        }
    }

    @Test
    void refusesADifferentBody() {
        Backend b = new CpuBackend(1);
        SegmentationNetwork small = Architecture.UNET.build(b, UNetPlan.isotropic(1, 2, 3, 4, 8));
        SegmentationNetwork wide = Architecture.UNET.build(b, UNetPlan.isotropic(1, 2, 3, 8, 16));
        assertThrows(IllegalArgumentException.class, () -> WeightTransfer.copy(small, wide));
    }
}
