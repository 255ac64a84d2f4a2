package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `train --arch` on a planned dataset for every other network, in BackSplit mode: its own run folder, the architecture
 * in the checkpoint and run.json, the fold's validation predicted; then `predict` with no architecture flag writes
 * labels in the image's grid; and the 2D U-Net trains on single slices.
 */
class ArchitectureRunsTest {

    @Test
    void everyArchitectureTrainsAndPredictsFromItsCheckpoint(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("Dataset906_Arch");
        Path pre = dir.resolve("pre"), results = dir.resolve("results");
        TrainPipelineTest.planSynthetic(raw, 5, 1, 5, pre);
        String[][] runs = {
            {"resenc", "backsplit__ResidualEncoderUNet__3d_fullres", "ResidualEncoderUNet"},
            {"segresnet", "backsplit__SegResNet__3d_fullres", "SegResNet"},
            {"unet2d", "backsplit__PlainConvUNet__2d", "PlainConvUNet2d"},
            {"resenc2d", "backsplit__ResidualEncoderUNet__2d", "ResidualEncoderUNet2d"}
        };
        NiftiImage image = Nifti.read(raw.resolve("imagesTs/abdomen_005_0000.nii.gz"));
        for (String[] r : runs) {
            assertEquals(
                    0,
                    TrainPipelineTest.run(
                            "train",
                            raw.toString(),
                            "--arch",
                            r[0],
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
                            "8,16",
                            "--device",
                            "cpu",
                            "--threads",
                            "2"),
                    r[0]);
            Path run = results.resolve("Dataset906_Arch").resolve(r[1]).resolve("fold_0");
            assertEquals(
                    r[2], Checkpoint.readState(run.resolve("checkpoint_final")).architecture(), r[0]);
            assertTrue(
                    Files.readString(run.resolve("run.json"))
                            .contains("\"architecture\" : \"" + r[0].toUpperCase() + "\""),
                    r[0] + ": run.json");
            assertTrue(
                    Files.readString(run.resolve("training_log.txt")).contains(r[2].replace("2d", "")),
                    r[0] + ": the log names the network");
            try (var files = Files.list(run.resolve("validation"))) {
                assertTrue(
                        files.anyMatch(f -> f.toString().endsWith(".nii.gz")),
                        r[0] + ": the fold's validation cases predicted");
            }
            Path out = dir.resolve("pred-" + r[0]);
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
                            "--no-mirroring",
                            "--device",
                            "cpu",
                            "--threads",
                            "2"),
                    r[0]);
            // the same through our model folder: it knows its plan, dataset.json and classes
            Path viaModel = dir.resolve("model-" + r[0]);
            assertEquals(
                    0,
                    TrainPipelineTest.run(
                            "predict",
                            "--model",
                            run.getParent().toString(),
                            "-f",
                            "0",
                            "--input",
                            raw.resolve("imagesTs").toString(),
                            "--output",
                            viaModel.toString(),
                            "--no-mirroring",
                            "--device",
                            "cpu",
                            "--threads",
                            "2"),
                    r[0]);
            assertArrayEquals(
                    Files.readAllBytes(out.resolve("abdomen_005.nii.gz")),
                    Files.readAllBytes(viaModel.resolve("abdomen_005.nii.gz")),
                    r[0] + ": --model predicts what --checkpoint with --plans does");
            NiftiImage seg = Nifti.read(out.resolve("abdomen_005.nii.gz"));
            assertArrayEquals(image.dims(), seg.dims(), r[0] + ": the image's grid");
            Set<Float> values = new TreeSet<>();
            for (float v : seg.data()) values.add(v);
            assertTrue(Set.of(0f, 1f).containsAll(values), r[0] + " wrote " + values);
        }
        String log2d = Files.readString(
                results.resolve("Dataset906_Arch/backsplit__PlainConvUNet__2d/fold_0/training_log.txt"));
        assertTrue(
                log2d.matches("(?s).*patch \\[\\d+, \\d+, 1\\].*"),
                "the 2D U-Net trains on slices: " + log2d.lines().findFirst().orElse(""));
        // --continue finds the run by its network: the finished 2D run says so; without --arch there is no U-Net run to
        // continue
        assertEquals(
                0,
                TrainPipelineTest.run(
                        "train",
                        raw.toString(),
                        "--arch",
                        "unet2d",
                        "--continue",
                        "--preprocessed",
                        pre.toString(),
                        "--results",
                        results.toString(),
                        "--device",
                        "cpu",
                        "--threads",
                        "2"));
        assertTrue(Files.readString(
                        results.resolve("Dataset906_Arch/backsplit__PlainConvUNet__2d/fold_0/training_log.txt"))
                .contains("the run is complete"));
        assertEquals(
                1,
                TrainPipelineTest.run(
                        "train",
                        raw.toString(),
                        "--continue",
                        "--preprocessed",
                        pre.toString(),
                        "--results",
                        results.toString(),
                        "--device",
                        "cpu",
                        "--threads",
                        "2"));
    }

    /** `bench --arch` times a training step of each network (one step here: it must run, not be fast). */
    @Test
    void benchTimesEveryArchitecture() {
        for (String arch : new String[] {"unet", "resenc", "segresnet", "unet2d", "resenc2d"}) {
            assertEquals(
                    0,
                    TrainPipelineTest.run(
                            "bench",
                            "--arch",
                            arch,
                            "--stages",
                            "3",
                            "--features",
                            "8,16",
                            "--patch",
                            "16",
                            "--steps",
                            "1",
                            "--device",
                            "cpu",
                            "--threads",
                            "2"),
                    arch);
        }
    }
}
