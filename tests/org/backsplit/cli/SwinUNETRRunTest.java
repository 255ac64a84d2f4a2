package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.train.Checkpoint;
import org.backsplit.train.CheckpointState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `train --arch swinunetr` then `predict` through the command line: the run folder names the network, the planner's
 * 16^3 patch is rounded up to multiples of 32 with two bottleneck voxels (64 x 32 x 32) and the log says so, the
 * checkpoint records SwinUNETR with AdamW and cosine annealing, and prediction from the checkpoint needs no
 * architecture flag.
 */
class SwinUNETRRunTest {

    @Test
    void trainsAndPredictsThroughTheCommandLine(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("Dataset907_Swin");
        Path pre = dir.resolve("pre"), results = dir.resolve("results");
        TrainPipelineTest.planSynthetic(raw, 5, 1, 7, pre);
        assertEquals(
                0,
                TrainPipelineTest.run(
                        "train",
                        raw.toString(),
                        "--arch",
                        "swinunetr",
                        "--preprocessed",
                        pre.toString(),
                        "--results",
                        results.toString(),
                        "--targets",
                        "lesion",
                        "--epochs",
                        "2",
                        "--iterations",
                        "1",
                        "--val-batches",
                        "1",
                        "--features",
                        "12",
                        "--device",
                        "cpu",
                        "--threads",
                        "2"));
        Path run = results.resolve("Dataset907_Swin/backsplit__SwinUNETR__3d_fullres/fold_0");
        CheckpointState state = Checkpoint.readState(run.resolve("checkpoint_final"));
        assertEquals("SwinUNETR", state.architecture());
        assertEquals(12, state.plan().features()[0]);
        assertEquals("adamw", state.config().optimizer().kind());
        assertEquals("cosine", state.config().optimizer().schedule());
        assertEquals(8e-4, state.config().optimizer().initialLr());
        String log = Files.readString(run.resolve("training_log.txt"));
        assertTrue(
                log.contains("rounded up to [64, 32, 32]"),
                log.lines().limit(5).toList().toString());
        assertTrue(log.contains("SwinUNETR"), "the log names the network");
        Path out = dir.resolve("pred");
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
                        out.toString(),
                        "--no-mirroring",
                        "--device",
                        "cpu",
                        "--threads",
                        "2"));
        NiftiImage image = Nifti.read(raw.resolve("imagesTs").resolve(firstImage(raw)));
        NiftiImage seg = Nifti.read(out.resolve(firstImage(raw).replace("_0000.nii.gz", ".nii.gz")));
        assertArrayEquals(image.dims(), seg.dims(), "the image's grid");
    }

    private static String firstImage(Path raw) throws Exception {
        try (var files = Files.list(raw.resolve("imagesTs"))) {
            return files.map(p -> p.getFileName().toString())
                    .sorted()
                    .findFirst()
                    .orElseThrow();
        }
    }
}
