package org.backsplit.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.charts.ProgressChart;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.backsplit.report.SliceOverlay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end at a tiny budget: the table, and a report whose every image is a real PNG of the right size. */
class DemoTest {

    @Test
    void tinyDemoWritesATableAndAReportWithRealImages(@TempDir Path dir) throws Exception {
        Demo.Options o = Demo.Options.defaults(dir).toBuilder()
                .trainingCases(5)
                .testCases(3)
                .seed(11)
                .epochs(2)
                .iterationsPerEpoch(2)
                .validationBatches(1)
                .patch(new int[] {16, 16, 16})
                .features(new int[] {4, 8})
                .build();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Demo.Outcome r = Demo.run(o, new CpuBackend(2), new PrintStream(log, true));
        assertEquals(2, r.models().size());
        assertTrue(
                r.table().contains("binary")
                        && r.table().contains("backsplit")
                        && r.table().contains("FP lesions/case"),
                r.table());
        assertEquals(
                1.0, r.models().get(0).fisherRatioNear(), 1e-9, "two classes: no information is lost by collapsing");
        assertTrue(r.models().get(1).fisherRatioNear() >= 1 - 1e-9, "I_Y >= I_Z");
        for (Demo.ModelOutcome m : r.models()) assertEquals(3, m.rows().size(), "one row per held-out case");

        String html = Files.readString(r.report());
        Matcher img = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        List<String> images = new ArrayList<>();
        while (img.find()) images.add(img.group(1));
        assertTrue(
                images.contains("progress_binary.png") && images.contains("progress_backsplit.png"), images.toString());
        for (String f : images) {
            BufferedImage b = ImageIO.read(r.report().resolveSibling(f).toFile());
            assertTrue(b != null, f + " is a readable PNG");
            if (f.startsWith("overlay_")) {
                int panels = 4; // image, reference, binary, BackSplit
                assertEquals(panels * SyntheticAbdomen.DIMS[0] * SliceOverlay.SCALE, b.getWidth(), f);
                assertTrue(b.getHeight() > SyntheticAbdomen.DIMS[1] * SliceOverlay.SCALE, f);
                assertFalse(isUniform(b), f + " shows something");
            } else {
                assertEquals(ProgressChart.WIDTH, b.getWidth(), f);
                assertFalse(isUniform(b), f + " shows something");
            }
        }
        assertTrue(
                images.stream().anyMatch(f -> f.startsWith("overlay_")),
                "at least one held-out case with a lesion is drawn");

        // a second run reuses everything: the same table
        Demo.Outcome again = Demo.run(o, new CpuBackend(2), new PrintStream(new ByteArrayOutputStream(), true));
        assertEquals(r.table(), again.table());
    }

    private static boolean isUniform(BufferedImage b) {
        int first = b.getRGB(0, 0);
        for (int y = 0; y < b.getHeight(); y += 3)
            for (int x = 0; x < b.getWidth(); x += 3) if (b.getRGB(x, y) != first) return false;
        return true;
    }
}
