package org.backsplit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Parameter;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTest {
    private static final UNetPlan PLAN = UNetPlan.isotropic(1, 3, 3, 8, 32);

    private static TrainingConfig config(int epochs, int iterations) {
        return new TrainingConfig(
                epochs, iterations, OptimizerConfig.nnUNetSgd(), 12, LossSpec.nnUNet(3, false, -1), 42);
    }

    @Test
    void learnsASyntheticCaseToHighDice() {
        SyntheticCase data = new SyntheticCase(16, 1);
        Backend cpu = new CpuBackend();
        Trainer t = Trainer.start(Architecture.UNET.build(cpu, PLAN), config(6, 25), data);
        double first = t.step().loss(), last = first;
        while (!t.finished()) last = t.step().loss();
        assertTrue(last < first, "loss fell from " + first + " to " + last);
        Tensor logits =
                t.network().forward(cpu.upload(data.image, data.shape(1, 1))).get(0);
        double[] dice = HardDice.perClass(cpu.download(logits), data.labels, 3);
        assertTrue(
                dice[1] > 0.95 && dice[2] > 0.95, "Dice per class after 150 steps: " + java.util.Arrays.toString(dice));
    }

    @Test
    void sameSeedGivesBitIdenticalLossesWhateverTheThreadCount() {
        SyntheticCase data = new SyntheticCase(16, 2);
        List<Double> a = run(new CpuBackend(1), data, 5),
                b = run(new CpuBackend(2), data, 5),
                c = run(new CpuBackend(3), data, 5);
        assertEquals(a, b);
        assertEquals(b, c);
    }

    private static List<Double> run(Backend backend, SyntheticCase data, int steps) {
        Trainer t = Trainer.start(Architecture.UNET.build(backend, PLAN), config(2, 5), data);
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) losses.add(t.step().loss());
        return losses;
    }

    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws Exception {
        SyntheticCase data = new SyntheticCase(16, 3);
        Backend cpu = new CpuBackend();
        // Epochs of 3 iterations: the interruption falls mid-epoch and the learning rate changes after it.
        Trainer straight = Trainer.start(Architecture.UNET.build(cpu, PLAN), config(3, 3), data);
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < 7; i++) expected.add(straight.step().loss());

        Trainer first = Trainer.start(Architecture.UNET.build(cpu, PLAN), config(3, 3), data);
        List<Double> actual = new ArrayList<>();
        for (int i = 0; i < 4; i++) actual.add(first.step().loss());
        Path ckpt = dir.resolve("checkpoint_latest");
        first.save(ckpt);
        first.save(ckpt); // overwriting an existing checkpoint goes through the swap
        assertFalse(Files.exists(dir.resolve("checkpoint_latest.old")));
        Trainer resumed = Trainer.resume(ckpt, cpu, data);
        assertEquals(1, resumed.epoch());
        assertEquals(1, resumed.iteration());
        for (int i = 0; i < 3; i++) actual.add(resumed.step().loss());
        assertEquals(expected, actual);
        assertSameWeights(straight.network(), resumed.network());
    }

    @Test
    void checkpointRoundTripsWeightsAndSurvivesAKillBetweenRenames(@TempDir Path dir) throws Exception {
        SyntheticCase data = new SyntheticCase(16, 4);
        Backend cpu = new CpuBackend();
        Trainer t = Trainer.start(Architecture.UNET.build(cpu, PLAN), config(1, 2), data);
        t.step();
        Path ckpt = dir.resolve("checkpoint_final");
        t.save(ckpt);
        assertSameWeights(t.network(), Checkpoint.loadNetwork(ckpt, cpu));
        assertSameWeights(t.network(), Checkpoint.loadNetwork(ckpt.resolve(Checkpoint.MODEL), cpu)); // bare state_dict
        // A kill after "move old away" and before "move new in" leaves only NAME.old: it is still found.
        Files.move(ckpt, dir.resolve("checkpoint_final.old"));
        assertSameWeights(t.network(), Checkpoint.loadNetwork(ckpt, cpu));
        assertEquals(0, Trainer.resume(ckpt, cpu, data).epoch() - 0);
    }

    static void assertSameWeights(SegmentationNetwork a, SegmentationNetwork b) {
        assertEquals(a.parameters().size(), b.parameters().size());
        for (int i = 0; i < a.parameters().size(); i++) {
            Parameter pa = a.parameters().get(i), pb = b.parameters().get(i);
            assertEquals(pa.name(), pb.name());
            assertArrayEquals(a.backend().download(pa.value()), b.backend().download(pb.value()), pa.name());
        }
    }
}
