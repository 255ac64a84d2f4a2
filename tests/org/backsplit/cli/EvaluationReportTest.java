package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `evaluate --html` and `compare --html` write a report a person can look at: every image it shows is there. */
class EvaluationReportTest {
    private static final int[] DIMS = {12, 10, 6};
    private static final NiftiImage GRID =
            new NiftiImage(DIMS, NiftiDatatype.UINT8, new float[720], NiftiGeometry.ofSpacing(new double[] {1, 1, 2}));

    @Test
    void evaluateAndCompareWriteHtmlReports(@TempDir Path dir) throws Exception {
        Path ref = Files.createDirectories(dir.resolve("ref")),
                a = Files.createDirectories(dir.resolve("a")),
                b = Files.createDirectories(dir.resolve("b")),
                images = Files.createDirectories(dir.resolve("img"));
        for (int c = 0; c < 5; c++) {
            float[] r = new float[720], pa = new float[720], pb = new float[720], image = new float[720];
            for (int i = 0; i < 720; i++) {
                int x = i % 12, y = (i / 12) % 10, z = i / 120;
                boolean lesion = Math.abs(x - 6) <= 2 && Math.abs(y - 5) <= 1 + c % 2 && z >= 2 && z <= 3;
                r[i] = lesion ? 1 : 0;
                pa[i] = lesion && x > 4 + c % 3 ? 1 : 0; // A misses part of each lesion
                pb[i] = lesion || (x == 1 && y == 1 && z == 2) ? 1 : 0; // B finds it and adds a voxel elsewhere
                image[i] = 100 * r[i] + (float) Math.sin(i);
            }
            String name = "case" + c + ".nii.gz";
            Nifti.write(ref.resolve(name), GRID, r, NiftiDatatype.UINT8);
            Nifti.write(a.resolve(name), GRID, pa, NiftiDatatype.UINT8);
            Nifti.write(b.resolve(name), GRID, pb, NiftiDatatype.UINT8);
            Nifti.write(images.resolve("case" + c + "_0000.nii.gz"), GRID, image, NiftiDatatype.FLOAT32);
        }
        Path eval = dir.resolve("eval"), cmp = dir.resolve("cmp");
        run(
                "evaluate",
                "--pred",
                a.toString(),
                "--ref",
                ref.toString(),
                "--labels",
                "1",
                "--out",
                eval.toString(),
                "--html",
                "--images",
                images.toString());
        run(
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
                cmp.toString(),
                "--resamples",
                "200",
                "--html");
        for (Path report : List.of(eval.resolve("report.html"), cmp.resolve("report.html"))) {
            String html = Files.readString(report);
            assertTrue(html.contains("<svg") && html.contains("<circle"), "a per-case plot: " + report);
            assertTrue(html.contains("<table>"), "a table: " + report);
            List<String> pngs = new ArrayList<>();
            Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
            while (m.find()) pngs.add(m.group(1));
            assertTrue(pngs.size() >= 2, "slice overlays of the worst cases: " + pngs);
            for (String png : pngs) {
                BufferedImage image =
                        ImageIO.read(report.getParent().resolve(png).toFile());
                assertNotNull(image, png + " decodes");
                // image (or reference), reference, and each prediction side by side, 4 pixels per voxel
                int panels = report.startsWith(eval) ? 3 : 4;
                assertEquals(panels * DIMS[0] * 4, image.getWidth(), png);
            }
        }
        assertTrue(Files.readString(cmp.resolve("report.html")).contains("lost most and gained most"));
    }

    private static void run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, cl.execute(args), err.toString());
    }
}
