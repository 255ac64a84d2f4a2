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
import org.backsplit.nn.SwinUNETR;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SwinUNETR learns the synthetic 3-class case on the CPU with the paper's AdamW and cosine annealing, and its
 * checkpoint records the architecture, loads without a flag and resumes exactly. Feature size 12 and a 32^3 case: the
 * smallest SwinUNETR, for time.
 */
class SwinUNETRTrainingTest {
    private static final int STEPS_PER_EPOCH = 20, EPOCHS = 5;

    /**
     * The paper's AdamW with cosine annealing, but from lr 3e-3 instead of 8e-4 so that 100 steps suffice here. The
     * small box (class 2) is the slow one, and how fast it comes depends on the initial draw: with one draw 60 steps at
     * 2e-3 gave 0.96 / 0.97, with the current one 0.98 / 0.33 (and 80 steps 0.98 / 0.59; 60 at 3e-3 0.98 / 0.65); 100
     * steps at 3e-3 gave 0.99 / 0.98.
     */
    static TrainingConfig config(int epochs, int iterations) {
        OptimizerConfig opt =
                OptimizerConfig.forArchitecture(Architecture.SWINUNETR).withInitialLr(3e-3);
        return new TrainingConfig(epochs, iterations, opt, 12, LossSpec.nnUNet(3, false, -1), 42);
    }

    @Test
    void learnsTheSyntheticCase() {
        SyntheticCase data = new SyntheticCase(32, 1);
        Backend cpu = new CpuBackend();
        Trainer t = Trainer.start(new SwinUNETR(cpu, SwinUNETR.plan(1, 3, 12)), config(EPOCHS, STEPS_PER_EPOCH), data);
        double first = t.step().loss(), last = first;
        while (!t.finished()) last = t.step().loss();
        assertTrue(last < first, "loss fell from " + first + " to " + last);
        Tensor logits =
                t.network().forward(cpu.upload(data.image, data.shape(1, 1))).get(0);
        double[] dice = HardDice.perClass(cpu.download(logits), data.labels, 3);
        t.network().release();
        assertTrue(
                dice[1] > 0.9 && dice[2] > 0.9, "Dice per class after 100 steps: " + java.util.Arrays.toString(dice));
    }

    @Test
    void checkpointRecordsTheArchitectureAndResumesExactly(@TempDir Path dir) throws Exception {
        SyntheticCase data = new SyntheticCase(32, 3);
        Backend cpu = new CpuBackend();
        Trainer straight = Trainer.start(new SwinUNETR(cpu, SwinUNETR.plan(1, 3, 12)), config(2, 2), data);
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) expected.add(straight.step().loss());

        Trainer first = Trainer.start(new SwinUNETR(cpu, SwinUNETR.plan(1, 3, 12)), config(2, 2), data);
        List<Double> actual = new ArrayList<>();
        for (int i = 0; i < 1; i++) actual.add(first.step().loss());
        Path ckpt = dir.resolve("checkpoint_latest");
        first.save(ckpt);
        assertEquals("SwinUNETR", Checkpoint.readState(ckpt).architecture());
        SegmentationNetwork loaded = Checkpoint.loadNetwork(ckpt, cpu);
        assertEquals(Architecture.SWINUNETR, loaded.architecture());
        TrainingTest.assertSameWeights(first.network(), loaded);
        Trainer resumed = Trainer.resume(ckpt, cpu, data);
        for (int i = 0; i < 3; i++) actual.add(resumed.step().loss());
        assertEquals(expected, actual);
        TrainingTest.assertSameWeights(straight.network(), resumed.network());
    }
}
