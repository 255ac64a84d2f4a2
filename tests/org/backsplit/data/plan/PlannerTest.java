package org.backsplit.data.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.backsplit.data.ClassMap;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.NnUNetDatasetTest;
import org.backsplit.data.TrainingMode;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.data.preprocess.IntensityStatistics;
import org.backsplit.data.preprocess.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {
    private static final IntensityStatistics CT = new IntensityStatistics(60, 40, -80, 300, -1000, 2000, 10_000);

    private static void assertFollowsTheRules(Plan p) {
        Topology t = Topology.of(p.targetSpacing(), p.patchSize());
        assertArrayEquals(p.patchSize(), t.patch(), "the patch is already divisible by its topology");
        assertTrue(Planner.featureMapSize(t, 3) <= Planner.REFERENCE, "fits the 8 GB reference");
        for (int a = 0; a < 3; a++) {
            assertTrue(
                    p.patchSize()[a] <= Math.max(p.medianShape()[a], 1) + t.divisibleBy()[a],
                    "axis " + a + " not beyond the median shape");
        }
        assertTrue(p.batchSize() >= 2);
    }

    /** KiTS-like: 0.8 x 0.8 mm slices 3 mm apart (some 2.5 or 5), 100-odd slices of 400 x 400 after cropping. */
    @Test
    void kitsLikeSpacing() {
        List<double[]> sp = new ArrayList<>();
        List<int[]> sh = new ArrayList<>();
        double[] z = {3.0, 3.0, 2.5, 5.0, 3.0, 3.0};
        for (int i = 0; i < 6; i++) {
            sp.add(new double[] {0.8, 0.8, z[i]});
            sh.add(new int[] {400 + 10 * i, 380, 90 + 5 * i});
        }
        Plan p = Planner.plan(new Fingerprint(sp, sh, 0.6, List.of(CT)), List.of("CT"), 3);
        // z: median spacing 3.0 > 3 x 0.8 and 97.5 voxels x 3 < 380: the 10th percentile of z spacings, 2.75
        assertArrayEquals(new double[] {0.8, 0.8, 2.75}, p.targetSpacing(), 1e-9);
        assertFollowsTheRules(p);
        assertArrayEquals(new int[] {3, 3, 1}, p.kernels()[0], "in-plane kernels first: z is 3.4 times coarser");
        assertArrayEquals(new int[] {2, 2, 1}, p.strides()[1], "the first pooling is in-plane only");
        assertEquals(List.of("CT"), p.normalization());
        assertEquals(List.of(false), p.useMaskForNorm());
    }

    /** Brain-like: 1 mm isotropic, median about 140 x 170 x 140: an isotropic topology, the patch within budget. */
    @Test
    void isotropicBrainLikeData() {
        List<double[]> sp = new ArrayList<>();
        List<int[]> sh = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sp.add(new double[] {1, 1, 1});
            sh.add(new int[] {137, 169, 138});
        }
        Plan p = Planner.plan(new Fingerprint(sp, sh, 0.5, List.of(CT, CT)), List.of("T1", "FLAIR"), 4);
        assertFollowsTheRules(p);
        assertEquals(6, p.strides().length);
        for (int[] k : p.kernels()) assertArrayEquals(new int[] {3, 3, 3}, k);
        assertEquals(List.of("ZScore", "ZScore"), p.normalization());
        assertEquals(List.of(true, true), p.useMaskForNorm(), "cropping kept half the voxels: z-score inside the mask");
    }

    @Test
    void preprocessesIntoACacheOnceAndLoadsTrainingCases(@TempDir Path dir) throws Exception {
        NnUNetDataset d = NnUNetDataset.open(NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3));
        Fingerprint f = Fingerprint.of(d);
        assertEquals(3, f.spacings().size());
        Plan plan = Planner.plan(f, List.of("CT", "PET"), 3);
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache);
        PlanFiles.write(cache, f, plan);
        Plan back = PlanFiles.readPlan(cache);
        assertArrayEquals(plan.patchSize(), back.patchSize());
        assertArrayEquals(plan.targetSpacing(), back.targetSpacing(), 0);
        assertEquals(plan.normalization(), back.normalization());
        assertEquals(plan.ctStatistics().get(0), back.ctStatistics().get(0));
        assertEquals(3, Preprocessor.run(d, plan, cache));
        long stamp =
                Files.getLastModifiedTime(cache.resolve("case00.safetensors")).toMillis();
        assertEquals(0, Preprocessor.run(d, plan, cache), "a cache made for the same plan is reused");
        assertEquals(
                stamp,
                Files.getLastModifiedTime(cache.resolve("case00.safetensors")).toMillis());
        ClassMap classes = ClassMap.of(d.json(), List.of("lesion"), TrainingMode.BACKSPLIT, true);
        List<PreparedCase> cases =
                Preprocessor.load(cache, d.trainingIds(), classes, Set.of("case01"), classes.targetClasses());
        assertEquals(3, cases.size());
        PreparedCase c = cases.get(1);
        assertEquals(2, c.channels().length);
        boolean merged = false;
        for (float v : c.labels()) merged |= v == classes.lossSpec(true, false).mergedLabel();
        assertTrue(merged, "case01 is marked without auxiliary labels: its background takes the merged label");
    }
}
