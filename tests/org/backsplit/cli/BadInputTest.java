package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.data.NnUNetDatasetTest;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Bad input ends with one clear line naming the file and the problem, and a non-zero exit; never a bare stack trace.
 */
class BadInputTest {

    private record Outcome(int code, String err) {}

    private static Outcome run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        return new Outcome(cl.execute(args), err.toString());
    }

    private static void assertClearError(Outcome o, String... mustMention) {
        assertTrue(o.code() != 0, "non-zero exit");
        assertTrue(o.err().startsWith("backsplit: error: "), o.err());
        assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
        for (String s : mustMention) assertTrue(o.err().contains(s), "the message names " + s + ": " + o.err());
    }

    private static Outcome plan(Path dataset, Path dir) {
        return run(
                "plan", dataset.toString(), "--preprocessed", dir.resolve("pre").toString());
    }

    @Test
    void tf32OnTheCpu() {
        assertClearError(run("bench", "--device", "cpu", "--tf32"), "--tf32 needs the CUDA backend");
    }

    @Test
    void bf16OnTheCpu() {
        assertClearError(
                run("bench", "--device", "cpu", "--precision", "bf16"), "--precision bf16 needs the CUDA backend");
    }

    @Test
    void anUnknownPrecision() {
        assertClearError(
                run("bench", "--device", "cpu", "--precision", "fp16"), "precision must be fp32, tf32 or bf16");
    }

    @Test
    void missingFolder(@TempDir Path dir) {
        assertClearError(plan(dir.resolve("nowhere"), dir), "nowhere", "is not a folder");
    }

    @Test
    void datasetJsonThatDoesNotMatchTheFiles(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        Path json = ds.resolve("dataset.json");
        Files.writeString(json, Files.readString(json).replaceAll("\"numTraining\"\\s*:\\s*3", "\"numTraining\": 4"));
        assertClearError(plan(ds, dir), "dataset.json", "numTraining");
    }

    @Test
    void imageAndLabelWithDifferentGeometry(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        NiftiImage other = new NiftiImage(
                new int[] {4, 5, 7}, NiftiDatatype.UINT8, new float[140], NiftiGeometry.ofSpacing(new double[] {1, 1, 1
                }));
        Nifti.write(ds.resolve("labelsTr/case01.nii.gz"), other, new float[140], NiftiDatatype.UINT8);
        assertClearError(plan(ds, dir), "case01", "dimensions");
    }

    @Test
    void labelValueNotInDatasetJson(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        NiftiImage label = Nifti.read(ds.resolve("labelsTr/case02.nii.gz"));
        float[] v = label.data().clone();
        v[17] = 9;
        Nifti.write(ds.resolve("labelsTr/case02.nii.gz"), label, v, NiftiDatatype.UINT8);
        assertClearError(plan(ds, dir), "case02.nii.gz", "9");
    }

    @Test
    void nanInAnImage(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        Path file = ds.resolve("imagesTr/case00_0001.nii.gz");
        NiftiImage image = Nifti.read(file);
        float[] v = image.data().clone();
        v[5] = Float.NaN;
        Nifti.write(file, image, v, NiftiDatatype.FLOAT32);
        assertClearError(plan(ds, dir), "case00_0001.nii.gz", "NaN");
    }

    @Test
    void trainingWithoutAPlanOrWithAnUnknownTarget(@TempDir Path dir) throws Exception {
        Path ds = NnUNetDatasetTest.makeDataset(dir.resolve("ds"), 3);
        Outcome noPlan = run(
                "train",
                ds.toString(),
                "--preprocessed",
                dir.resolve("pre").toString(),
                "--results",
                dir.resolve("r").toString(),
                "--targets",
                "lesion",
                "--device",
                "cpu");
        assertClearError(noPlan, "plans.json", "backsplit plan");
        Outcome planned = plan(ds, dir);
        assertEquals(0, planned.code(), planned.err());
        Outcome unknown = run(
                "train",
                ds.toString(),
                "--preprocessed",
                dir.resolve("pre").toString(),
                "--results",
                dir.resolve("r").toString(),
                "--targets",
                "tumour",
                "--device",
                "cpu");
        assertClearError(unknown, "tumour");
        Outcome nothingToContinue = run(
                "train",
                ds.toString(),
                "--preprocessed",
                dir.resolve("pre").toString(),
                "--results",
                dir.resolve("r").toString(),
                "--continue",
                "--device",
                "cpu");
        assertClearError(nothingToContinue, "run.json");
    }
}
