package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.eval.PairedStatistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `backsplit compare`: the differences per case are the ones worked out here, and the statistics are of them. */
class CompareCommandTest {
    private static final NiftiImage GRID = new NiftiImage(
            new int[] {8, 5, 4}, NiftiDatatype.UINT8, new float[160], NiftiGeometry.ofSpacing(new double[] {1, 1, 1}));

    @Test
    void reportsPerCaseDifferencesAndTheirStatistics(@TempDir Path dir) throws Exception {
        Path ref = Files.createDirectories(dir.resolve("ref")),
                a = Files.createDirectories(dir.resolve("a")),
                b = Files.createDirectories(dir.resolve("b"));
        double[] expected = new double[6];
        for (int c = 0; c < 7; c++) {
            float[] r = new float[160], pa = new float[160];
            if (c < 6) { // case c: a lesion of c + 2 voxels in a row; A finds the first c + 1, B all of it
                for (int i = 0; i < c + 2; i++) r[i] = 1;
                for (int i = 0; i < c + 1; i++) pa[i] = 1;
                expected[c] = 1 - 2.0 * (c + 1) / (2 * c + 3);
            } // case 6: nothing anywhere, Dice undefined for both
            String name = "case" + c + ".nii.gz";
            Nifti.write(ref.resolve(name), GRID, r, NiftiDatatype.UINT8);
            Nifti.write(a.resolve(name), GRID, pa, NiftiDatatype.UINT8);
            Nifti.write(b.resolve(name), GRID, r, NiftiDatatype.UINT8);
        }
        StringWriter err = new StringWriter(), outText = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(outText));
        Path out = dir.resolve("out");
        assertEquals(
                0,
                cl.execute(
                        "compare",
                        "--a",
                        a.toString(),
                        "--b",
                        b.toString(),
                        "--ref",
                        ref.toString(),
                        "--labels",
                        "1",
                        "--out",
                        out.toString(),
                        "--resamples",
                        "2000"),
                err.toString());
        JsonNode dice = new ObjectMapper()
                .readTree(out.resolve("compare.json").toFile())
                .get("labels")
                .get("1")
                .get("dice");
        assertEquals(6, dice.get("cases").asInt());
        assertEquals(1, dice.get("undefined_cases").asInt());
        assertEquals(
                PairedStatistics.mean(expected), dice.get("mean_difference").asDouble(), 1e-12);
        assertEquals(
                PairedStatistics.wilcoxon(expected).pValue(),
                dice.get("wilcoxon_p").asDouble(),
                1e-15);
        assertEquals(
                2.0 / 64,
                dice.get("wilcoxon_p").asDouble(),
                1e-15,
                "six positive differences: the exact two-sided p is 2/2^6");
        assertTrue(dice.get("ci95").get(0).asDouble() > 0, "B is better in every case: the interval excludes 0");
        assertEquals(
                1 + 7 * 6,
                Files.readAllLines(out.resolve("compare_per_case.csv")).size(),
                "a header and 7 cases x 6 metrics");
    }
}
