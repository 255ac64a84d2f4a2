package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.backsplit.data.nifti.Nifti;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtual mode and a chosen subset of auxiliary classes train, and their checkpoints predict and measure with the
 * class layout of their run (read from run.json, not guessed from the number of outputs).
 */
class RunModesTest {

    @Test
    void virtualAndAuxiliarySubsetRunsPredictWithTheirOwnClasses(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("Dataset904_Modes");
        Path pre = dir.resolve("pre"), results = dir.resolve("results");
        TrainPipelineTest.planSynthetic(raw, 5, 1, 4, pre);
        String[] common = {
            "--preprocessed",
            pre.toString(),
            "--results",
            results.toString(),
            "--targets",
            "lesion",
            "--epochs",
            "1",
            "--iterations",
            "2",
            "--val-batches",
            "1",
            "--features",
            "4,8",
            "--device",
            "cpu",
            "--threads",
            "2"
        };
        assertEquals(
                0, TrainPipelineTest.run(concat(new String[] {"train", raw.toString(), "--mode", "virtual"}, common)));
        assertEquals(
                0,
                TrainPipelineTest.run(concat(
                        new String[] {"train", raw.toString(), "--mode", "backsplit", "--auxiliary", "liver,spleen"},
                        common)));
        Path virtual = results.resolve("Dataset904_Modes/virtual__PlainConvUNet__3d_fullres/fold_0");
        Path subset = results.resolve("Dataset904_Modes/backsplit-liver+spleen__PlainConvUNet__3d_fullres/fold_0");
        for (Path run : new Path[] {virtual, subset}) {
            Path out = dir.resolve("pred-" + run.getParent().getFileName());
            assertEquals(
                    0,
                    TrainPipelineTest.run(
                            "predict",
                            "--checkpoint",
                            run.resolve("checkpoint_final").toString(),
                            "--input",
                            raw.resolve("imagesTs").toString(),
                            "--output",
                            out.toString(),
                            "--dataset-json",
                            raw.resolve("dataset.json").toString(),
                            "--plans",
                            run.toString(),
                            "--targets",
                            "lesion",
                            "--keep-auxiliary",
                            "--no-mirroring",
                            "--device",
                            "cpu",
                            "--threads",
                            "2"));
            Set<Float> values = new TreeSet<>();
            for (float v : Nifti.read(out.resolve("abdomen_005.nii.gz")).data()) values.add(v);
            Set<Float> allowed = run == virtual
                    ? Set.of(0f, 1f)
                    : Set.of(0f, 1f, 2f, 3f); // lesion 1, liver 2, spleen 3; never vessel or bone
            assertTrue(allowed.containsAll(values), run.getParent().getFileName() + " wrote " + values);
        }
        Path json = dir.resolve("fisher.json");
        assertEquals(
                0,
                TrainPipelineTest.run(
                        "fisher",
                        "--checkpoint",
                        subset.resolve("checkpoint_final").toString(),
                        "--dataset",
                        raw.toString(),
                        "--preprocessed",
                        pre.toString(),
                        "--targets",
                        "lesion",
                        "--cases",
                        "abdomen_000",
                        "--json",
                        json.toString(),
                        "--device",
                        "cpu",
                        "--threads",
                        "2"));
        assertTrue(
                Files.readString(json).contains("\"spleen\"")
                        && !Files.readString(json).contains("\"vessel\""),
                "the subset's classes");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
