package org.backsplit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.patch.Augmenter;
import org.backsplit.data.patch.PatchLoader;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.UNetPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prefetching loader: layout, determinism whatever the threads, and exact resume through the trainer. */
class PatchLoaderTest {
    private static final int[] DIMS = {24, 20, 16};

    /** Channel 0 = x, channel 1 = -x, labels: a box of class 1 and a box of class 2. */
    static List<PreparedCase> cases() {
        List<PreparedCase> out = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int n = DIMS[0] * DIMS[1] * DIMS[2];
            float[] a = new float[n], b = new float[n], lab = new float[n];
            for (int z = 0, i = 0; z < DIMS[2]; z++)
                for (int y = 0; y < DIMS[1]; y++)
                    for (int x = 0; x < DIMS[0]; x++, i++) {
                        a[i] = x;
                        b[i] = -x;
                        lab[i] = (x > 3 + c && x < 8 + c && y > 4 && y < 9 && z > 2 && z < 6)
                                ? 1
                                : (x > 15 && y > 12) ? 2 : 0;
                    }
            out.add(PreparedCase.of("case" + c, new float[][] {a, b}, lab, DIMS, new int[] {1}));
        }
        return out;
    }

    @Test
    void channelsLastLayoutAndForegroundInTheLastSample() {
        try (PatchLoader loader =
                new PatchLoader(cases(), new int[] {8, 8, 8}, 3, false, new Augmenter(new boolean[3], false), 1, 2)) {
            PatchLoader.HostBatch b = loader.batch(0);
            for (int v = 0; v < 3 * 512; v++)
                assertEquals(b.images()[2 * v], -b.images()[2 * v + 1]); // interleaved channels
            boolean fg = false;
            for (int v = 2 * 512; v < 3 * 512; v++) fg |= b.labels()[v] == 1;
            assertEquals(true, fg, "the last sample of a batch of 3 is centred on the target");
            for (int v = 0; v < 512 - 1; v++) { // x fastest within a patch row (no mirroring here)
                if ((v + 1) % 8 != 0 && b.images()[2 * v] != 0 && b.images()[2 * v + 2] != 0) {
                    assertEquals(b.images()[2 * v] + 1, b.images()[2 * v + 2]);
                }
            }
        }
    }

    @Test
    void batchesDependOnTheStepNotOnThreadsOrOrder() {
        try (PatchLoader one = new PatchLoader(cases(), new int[] {8, 8, 8}, 2, true, Augmenter.nnUNet(), 7, 1);
                PatchLoader two = new PatchLoader(cases(), new int[] {8, 8, 8}, 2, true, Augmenter.nnUNet(), 7, 2)) {
            for (long s = 0; s < 6; s++) {
                PatchLoader.HostBatch a = one.batch(s), b = two.batch(s);
                assertArrayEquals(a.images(), b.images());
                assertArrayEquals(a.labels(), b.labels());
            }
            assertArrayEquals(one.make(3).images(), two.batch(3).images()); // a jump back, as after a resume
        }
    }

    @Test
    void trainingOnTheLoaderResumesExactly(@TempDir Path dir) throws Exception {
        UNetPlan plan = UNetPlan.isotropic(2, 3, 3, 4, 16);
        TrainingConfig config =
                new TrainingConfig(2, 3, OptimizerConfig.nnUNetSgd(), 12, LossSpec.nnUNet(3, true, -1), 3);
        Backend cpu = new CpuBackend();
        List<Double> straight = new ArrayList<>(), resumed = new ArrayList<>();
        try (PatchLoader l = new PatchLoader(cases(), new int[] {8, 8, 8}, 2, true, Augmenter.nnUNet(), 11, 2)) {
            Trainer t = Trainer.start(Architecture.UNET.build(cpu, plan), config, new PatchBatchSource(l));
            while (!t.finished()) straight.add(t.step().loss());
        }
        try (PatchLoader l = new PatchLoader(cases(), new int[] {8, 8, 8}, 2, true, Augmenter.nnUNet(), 11, 2)) {
            Trainer t = Trainer.start(Architecture.UNET.build(cpu, plan), config, new PatchBatchSource(l));
            for (int i = 0; i < 4; i++) resumed.add(t.step().loss());
            t.save(dir.resolve("ckpt"));
        }
        try (PatchLoader l = new PatchLoader(cases(), new int[] {8, 8, 8}, 2, true, Augmenter.nnUNet(), 11, 1)) {
            Trainer t = Trainer.resume(dir.resolve("ckpt"), cpu, new PatchBatchSource(l));
            while (!t.finished()) resumed.add(t.step().loss());
        }
        assertEquals(straight, resumed);
    }
}
