package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.backsplit.charts.ProgressChart;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.backsplit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** plan -> train -> predict -> evaluate through the command line on a generated dataset, CI-sized. */
class TrainPipelineTest {

    /** A synthetic dataset written to raw and planned through `backsplit plan` into pre (16^3 patches, batch 2). */
    static void planSynthetic(Path raw, int training, int test, int seed, Path pre) throws java.io.IOException {
        SyntheticAbdomen.write(raw, training, test, seed);
        assertEquals(
                0,
                run("plan", raw.toString(), "--preprocessed", pre.toString(), "--patch", "16,16,16", "--batch", "2"));
    }

    static int run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        if (code != 0) System.err.println(err);
        return code;
    }

    @Test
    void planTrainPredictEvaluate(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("Dataset902_Tiny");
        Path pre = dir.resolve("pre"), results = dir.resolve("results");
        planSynthetic(raw, 6, 2, 7, pre);
        assertTrue(Files.isRegularFile(pre.resolve("plans.json"))
                && Files.isRegularFile(pre.resolve("splits_final.json")));

        // a binary model first, then BackSplit fine-tuned from it (its heads grow), as in the paper's §4.6
        assertEquals(
                0,
                run(
                        "train",
                        raw.toString(),
                        "--preprocessed",
                        pre.toString(),
                        "--results",
                        results.toString(),
                        "--mode",
                        "binary",
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
                        "2"));
        Path binaryFinal = results.resolve("Dataset902_Tiny/binary__PlainConvUNet__3d_fullres/fold_0/checkpoint_final");
        assertEquals(
                0,
                run(
                        "train",
                        raw.toString(),
                        "--preprocessed",
                        pre.toString(),
                        "--results",
                        results.toString(),
                        "--mode",
                        "backsplit",
                        "--targets",
                        "lesion",
                        "--epochs",
                        "2",
                        "--iterations",
                        "3",
                        "--val-batches",
                        "2",
                        "--features",
                        "4,8",
                        "--device",
                        "cpu",
                        "--threads",
                        "2",
                        "--initial-weights",
                        binaryFinal.toString()));
        Path runDir = results.resolve("Dataset902_Tiny/backsplit__PlainConvUNet__3d_fullres/fold_0");
        assertTrue(
                Files.readString(runDir.resolve("training_log.txt")).contains("segmentation heads grown"),
                "the log says where the weights came from");
        for (String f : List.of("checkpoint_latest", "checkpoint_best", "checkpoint_final")) {
            assertTrue(Files.isRegularFile(runDir.resolve(f).resolve(Checkpoint.STATE)), f);
        }
        for (String f : List.of(
                "run.json",
                "plans.json",
                "dataset.json",
                "training_log.txt",
                "progress.json",
                "progress.png",
                "validation/summary.json",
                "postprocessing.json")) {
            assertTrue(Files.isRegularFile(runDir.resolve(f)), f);
        }
        assertEquals(
                2, Checkpoint.readState(runDir.resolve("checkpoint_final")).epoch(), "final = after the last epoch");
        JsonNode progress =
                new ObjectMapper().readTree(runDir.resolve("progress.json").toFile());
        assertEquals(2, progress.size());
        for (JsonNode e : progress) {
            assertTrue(Double.isFinite(e.get("trainLoss").asDouble())
                    && e.get("trainLoss").asDouble() > 0);
            double d = e.get("targetPseudoDice").asDouble();
            assertTrue(d >= 0 && d <= 1, "pseudo-Dice " + d);
            assertTrue(
                    e.get("fisherRatioNear").isNull()
                            || e.get("fisherRatioNear").asDouble() >= 1 - 1e-9,
                    "I_Y >= I_Z near the target");
        }
        assertTrue(
                progress.get(1).get("learningRate").asDouble()
                        < progress.get(0).get("learningRate").asDouble(),
                "poly LR decreases");
        long epochLines = Files.readAllLines(runDir.resolve("training_log.txt")).stream()
                .filter(l -> l.startsWith("epoch "))
                .count();
        assertEquals(2, epochLines);
        BufferedImage chart = ImageIO.read(runDir.resolve("progress.png").toFile());
        assertEquals(ProgressChart.WIDTH, chart.getWidth());
        assertTrue(chart.getHeight() >= 4 * 200, "one panel per curve");
        long valPredictions;
        try (var s = Files.list(runDir.resolve("validation"))) {
            valPredictions = s.filter(p -> p.toString().endsWith(".nii.gz")).count();
        }
        assertEquals(
                new ObjectMapper()
                        .readTree(pre.resolve("splits_final.json").toFile())
                        .get(0)
                        .get("val")
                        .size(),
                valPredictions,
                "one validation prediction per validation case of fold 0");

        // postprocessing decided over the cross-validation predictions (here the one fold's) as nnU-Net does, then
        // applied by predict
        Path pp = dir.resolve("postprocessing.json");
        assertEquals(
                0,
                run(
                        "postprocess",
                        "--pred",
                        runDir.resolve("validation").toString(),
                        "--ref",
                        raw.resolve("labelsTr").toString(),
                        "--labels",
                        "1",
                        "--out",
                        pp.toString()));
        assertEquals(
                org.backsplit.infer.Postprocessing.read(runDir.resolve("postprocessing.json")),
                org.backsplit.infer.Postprocessing.read(pp),
                "the same choice as the run made on the same cases");

        Path pred = dir.resolve("pred"), eval = dir.resolve("eval");
        assertEquals(
                0,
                run(
                        "predict",
                        "--checkpoint",
                        runDir.resolve("checkpoint_final").toString(),
                        "--input",
                        raw.resolve("imagesTs").toString(),
                        "--output",
                        pred.toString(),
                        "--dataset-json",
                        raw.resolve("dataset.json").toString(),
                        "--plans",
                        runDir.toString(),
                        "--targets",
                        "lesion",
                        "--no-mirroring",
                        "--postprocessing",
                        pp.toString(),
                        "--device",
                        "cpu",
                        "--threads",
                        "2"));
        for (String id : List.of("abdomen_006", "abdomen_007")) {
            NiftiImage image = Nifti.read(raw.resolve("imagesTs/" + id + "_0000.nii.gz")),
                    seg = Nifti.read(pred.resolve(id + ".nii.gz"));
            assertArrayEquals(image.dims(), seg.dims());
            for (float v : seg.data()) assertTrue(v == 0 || v == 1, "lesion or background only, got " + v);
        }
        assertEquals(
                0,
                run(
                        "evaluate",
                        "--pred",
                        pred.toString(),
                        "--ref",
                        raw.resolve("labelsTs").toString(),
                        "--labels",
                        "1",
                        "--out",
                        eval.toString()));
        assertEquals(3, Files.readAllLines(eval.resolve("per_case.csv")).size(), "header + one row per case");
        JsonNode summary =
                new ObjectMapper().readTree(eval.resolve("summary.json").toFile());
        assertTrue(summary.get("labels").has("1"), summary.toString());
    }
}
