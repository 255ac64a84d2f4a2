package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `backsplit evaluate`: per-case rows and a summary, worked out by hand; missing files named. */
class EvaluateCommandTest {
    private static final NiftiImage GRID = new NiftiImage(
            new int[] {6, 5, 4},
            NiftiDatatype.UINT8,
            new float[120],
            NiftiGeometry.ofSpacing(new double[] {0.5, 1.0, 2.0})); // 1 mm^3 voxels

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }

    @Test
    void scoresCasesAndSummarises(@TempDir Path dir) throws Exception {
        Path ref = Files.createDirectories(dir.resolve("ref")), pred = Files.createDirectories(dir.resolve("pred"));
        float[] r = new float[120], p = new float[120];
        r[0] = r[1] = r[2] = 1; // one lesion of 3 voxels
        p[1] = p[2] = 1; // overlaps it in 2
        p[119] = 1; // a false positive far away
        r[60] = 2; // another label, not scored
        Nifti.write(ref.resolve("a.nii.gz"), GRID, r, NiftiDatatype.UINT8);
        Nifti.write(pred.resolve("a.nii.gz"), GRID, p, NiftiDatatype.UINT8);
        Nifti.write(ref.resolve("b.nii.gz"), GRID, new float[120], NiftiDatatype.UINT8); // both empty
        Nifti.write(pred.resolve("b.nii.gz"), GRID, new float[120], NiftiDatatype.UINT8);
        StringWriter err = new StringWriter();
        Path out = dir.resolve("out");
        assertEquals(
                0,
                run(
                        err,
                        "evaluate",
                        "--pred",
                        pred.toString(),
                        "--ref",
                        ref.toString(),
                        "--labels",
                        "1",
                        "--out",
                        out.toString()),
                err.toString());
        List<String> csv = Files.readAllLines(out.resolve("per_case.csv"));
        assertEquals(3, csv.size());
        assertTrue(csv.get(0).startsWith("case,label,dice,hd95,nsd,reference_ml,predicted_ml"), csv.get(0));
        String[] a = csv.get(1).split(","), b = csv.get(2).split(",");
        assertEquals("a", a[0]);
        assertEquals(2.0 * 2 / (3 + 3), Double.parseDouble(a[2]), 1e-12);
        double hd95 = Double.parseDouble(a[3]), nsd = Double.parseDouble(a[4]);
        assertTrue(hd95 > 2 && Double.isFinite(hd95), "the far false positive dominates HD95: " + hd95);
        assertTrue(nsd > 0 && nsd < 1, "NSD " + nsd);
        assertEquals(0.003, Double.parseDouble(a[5]), 1e-12);
        assertEquals("1", a[7]); // lesions_true_positive
        assertEquals("0", a[8]);
        assertEquals("1", a[9]); // the far voxel
        assertEquals(0.001, Double.parseDouble(a[13]), 1e-12);
        assertEquals("NaN", b[2], "both empty: Dice undefined, written as NaN");
        assertEquals("Infinity", b[3], "both empty: HD95 infinite, as the reference");
        assertEquals("NaN", b[4], "both empty: NSD undefined");
        JsonNode s = new ObjectMapper()
                .readTree(out.resolve("summary.json").toFile())
                .get("labels")
                .get("1");
        assertEquals(2.0 / 3, s.get("dice_mean").asDouble(), 1e-12, "the undefined case is left out of the mean");
        assertEquals(1, s.get("dice_undefined_cases").asInt());
        assertEquals(hd95, s.get("hd95_mean").asDouble(), 1e-12, "the infinite case is left out of the mean");
        assertEquals(1, s.get("hd95_infinite_cases").asInt());
        double diagonal = Math.sqrt(Math.pow(6 * 0.5, 2) + Math.pow(5 * 1.0, 2) + Math.pow(4 * 2.0, 2));
        assertEquals(
                (hd95 + diagonal) / 2,
                s.get("hd95_mean_with_penalty").asDouble(),
                1e-12,
                "the image diagonal as the penalty");
        assertEquals(nsd, s.get("nsd_mean").asDouble(), 1e-12);
        assertEquals(1, s.get("nsd_undefined_cases").asInt());
        assertEquals(0.5, s.get("lesion_precision").asDouble(), 1e-12);
        assertEquals(1.0, s.get("lesion_recall").asDouble(), 1e-12);
    }

    @Test
    void aMissingPredictionIsNamed(@TempDir Path dir) throws Exception {
        Path ref = Files.createDirectories(dir.resolve("ref")), pred = Files.createDirectories(dir.resolve("pred"));
        Nifti.write(ref.resolve("c.nii.gz"), GRID, new float[120], NiftiDatatype.UINT8);
        StringWriter err = new StringWriter();
        assertEquals(
                1,
                run(
                        err,
                        "evaluate",
                        "--pred",
                        pred.toString(),
                        "--ref",
                        ref.toString(),
                        "--labels",
                        "1",
                        "--out",
                        dir.resolve("o").toString()));
        assertTrue(
                err.toString().contains(pred.resolve("c.nii.gz").toString())
                        && err.toString().contains("missing"),
                err.toString());
    }
}
