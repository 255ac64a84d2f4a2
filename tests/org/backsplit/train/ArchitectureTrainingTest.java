package org.backsplit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each of the other networks learns the synthetic case with the same training loop (the 2D U-Net from its slices), and
 * its checkpoint records the architecture, so loading needs no flag and resuming continues exactly.
 */
class ArchitectureTrainingTest {

    static UNetPlan plan(Architecture a) {
        int[][] k = {{3, 3, 3}, {3, 3, 3}, {3, 3, 3}}, s = {{1, 1, 1}, {2, 2, 2}, {2, 2, 2}};
        if (a == Architecture.UNET2D) {
            k = new int[][] {{1, 3, 3}, {1, 3, 3}, {1, 3, 3}};
            s = new int[][] {{1, 1, 1}, {1, 2, 2}, {1, 2, 2}};
        }
        return a.plan(1, 3, k, s, 8, 32);
    }

    /**
     * SGD as nnU-Net for the U-Nets; Adam for SegResNet as the paper's §D.3, but at lr 3e-3 instead of 1e-4 so that 150
     * steps suffice here (at 1e-3 its Dice was still 0.59 / 0.74 after 150 steps, above 0.9 after 600).
     */
    static TrainingConfig config(Architecture a, int epochs, int iterations) {
        OptimizerConfig opt = a == Architecture.SEGRESNET
                ? OptimizerConfig.forArchitecture(a).withInitialLr(3e-3)
                : OptimizerConfig.forArchitecture(a);
        return new TrainingConfig(epochs, iterations, opt, 12, LossSpec.nnUNet(3, false, -1), 42);
    }

    static BatchSource source(Architecture a, SyntheticCase data) {
        return a == Architecture.UNET2D ? new Slices(data) : data;
    }

    /** 150 steps (the 2D U-Net: 600 steps of 4 slices, each a sixteenth of the volume the others see per sample). */
    @ParameterizedTest
    @EnumSource(
            value = Architecture.class,
            names = {"RESENC", "SEGRESNET", "UNET2D"})
    void learnsTheSyntheticCase(Architecture a) {
        SyntheticCase data = new SyntheticCase(16, 1);
        Backend cpu = new CpuBackend();
        Trainer t =
                Trainer.start(a.build(cpu, plan(a)), config(a, a == Architecture.UNET2D ? 24 : 6, 25), source(a, data));
        double first = t.step().loss(), last = first;
        while (!t.finished()) last = t.step().loss();
        assertTrue(last < first, a + ": loss fell from " + first + " to " + last);
        // the whole case: as one volume, or for the 2D U-Net as its 16 slices in one batch
        Shape whole = a == Architecture.UNET2D ? Shape.ndhwc(16, 1, 16, 16, 1) : data.shape(1, 1);
        Tensor logits = t.network().forward(cpu.upload(data.image, whole)).get(0);
        double[] dice = HardDice.perClass(cpu.download(logits), data.labels, 3);
        t.network().release();
        assertTrue(
                dice[1] > 0.9 && dice[2] > 0.9,
                a + ": Dice per class after 150 steps: " + java.util.Arrays.toString(dice));
    }

    @ParameterizedTest
    @EnumSource(
            value = Architecture.class,
            names = {"RESENC", "SEGRESNET", "UNET2D"})
    void checkpointRecordsTheArchitectureAndResumesExactly(Architecture a, @TempDir Path dir) throws Exception {
        SyntheticCase data = new SyntheticCase(16, 3);
        Backend cpu = new CpuBackend();
        Trainer straight = Trainer.start(a.build(cpu, plan(a)), config(a, 2, 3), source(a, data));
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) expected.add(straight.step().loss());

        Trainer first = Trainer.start(a.build(cpu, plan(a)), config(a, 2, 3), source(a, data));
        List<Double> actual = new ArrayList<>();
        for (int i = 0; i < 2; i++) actual.add(first.step().loss());
        Path ckpt = dir.resolve("checkpoint_latest");
        first.save(ckpt);
        assertEquals(a.checkpointName(), Checkpoint.readState(ckpt).architecture());
        SegmentationNetwork loaded = Checkpoint.loadNetwork(ckpt, cpu);
        assertEquals(a, loaded.architecture());
        TrainingTest.assertSameWeights(first.network(), loaded);
        Trainer resumed = Trainer.resume(ckpt, cpu, source(a, data));
        for (int i = 0; i < 3; i++) actual.add(resumed.step().loss());
        assertEquals(expected, actual);
        TrainingTest.assertSameWeights(straight.network(), resumed.network());
    }

    /** Batches of 4 random axial slices of the case, each mirrored at random in-plane: [4, 1, H, W, 1]. */
    static final class Slices implements BatchSource {
        private final SyntheticCase data;

        Slices(SyntheticCase data) {
            this.data = data;
        }

        @Override
        public Batch next(Backend backend, Rng rng, long step) {
            int n = data.size, plane = n * n, batch = 4;
            float[] img = new float[batch * plane], lab = new float[batch * plane];
            for (int b = 0; b < batch; b++) {
                int z = (int) (rng.nextDouble() * n);
                boolean fy = rng.nextDouble() < 0.5, fx = rng.nextDouble() < 0.5;
                for (int y = 0; y < n; y++)
                    for (int x = 0; x < n; x++) {
                        int src = (z * n + (fy ? n - 1 - y : y)) * n + (fx ? n - 1 - x : x);
                        img[b * plane + y * n + x] = data.image[src];
                        lab[b * plane + y * n + x] = data.labels[src];
                    }
            }
            Shape s = Shape.ndhwc(batch, 1, n, n, 1);
            return new Batch(backend.upload(img, s), backend.upload(lab, s));
        }
    }
}
