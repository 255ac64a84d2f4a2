package org.backsplit.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.PairedComparison;
import org.backsplit.io.AtomicFiles;

/**
 * The HTML report of an evaluation, the kind the demo writes, for a user's own predictions: per label a table of the
 * metrics, a per-case plot of Dice (inline SVG), and the worst cases drawn as slice overlays (the image when an images
 * folder is given, the reference and each prediction). For a comparison of two prediction folders: both per case, the
 * paired differences, and the cases where B lost most and gained most against A. Drawn with the JDK alone.
 */
public final class EvaluationReport {
    public static final String FILE = "report.html";
    private static final int WORST = 4;

    private EvaluationReport() {}

    /** One prediction folder scored against references: OUT/report.html and its PNGs. */
    public static Path evaluation(
            Path out, List<CaseMetrics> rows, Path predictions, Path references, Path images, List<Integer> labels)
            throws IOException {
        StringBuilder h = head("Evaluation: " + predictions.getFileName());
        h.append("<p>predictions ")
                .append(esc(predictions.toString()))
                .append(", references ")
                .append(esc(references.toString()))
                .append("</p>\n");
        for (int label : labels) {
            List<CaseMetrics> byLabel =
                    rows.stream().filter(r -> r.label() == label).toList();
            h.append("<h2>Label ").append(label).append("</h2>\n");
            h.append("<table><tr><th>metric</th><th>mean</th><th>median</th><th>defined cases</th></tr>\n");
            for (var e : PairedComparison.METRICS.entrySet()) row(h, e.getKey(), byLabel, e.getValue());
            h.append("</table>\n");
            h.append(plot(List.of(byLabel), List.of("prediction")));
            List<CaseMetrics> worst = byLabel.stream()
                    .filter(r -> !Double.isNaN(r.dice()))
                    .sorted(Comparator.comparingDouble(CaseMetrics::dice))
                    .limit(WORST)
                    .toList();
            h.append("<h3>Lowest Dice</h3>\n");
            for (CaseMetrics c : worst) {
                String png = overlay(
                        out, c.caseId(), label, references, images, List.of(predictions), List.of("prediction"));
                h.append(String.format(
                        Locale.ROOT,
                        "<p>%s: Dice %.3f, HD95 %s mm</p><img src=\"%s\" alt=\"%s\">%n",
                        esc(c.caseId()),
                        c.dice(),
                        number(c.hd95()),
                        png,
                        esc(c.caseId())));
            }
        }
        return finish(out, h);
    }

    /** Two prediction folders (A, B) against the same references, with their paired comparisons. */
    public static Path comparison(
            Path out,
            List<CaseMetrics> a,
            List<CaseMetrics> b,
            List<PairedComparison.Result> comparisons,
            Path predictionsA,
            Path predictionsB,
            Path references,
            Path images,
            List<Integer> labels)
            throws IOException {
        StringBuilder h = head("Comparison: " + predictionsB.getFileName() + " vs " + predictionsA.getFileName());
        h.append("<p>A ")
                .append(esc(predictionsA.toString()))
                .append(", B ")
                .append(esc(predictionsB.toString()))
                .append(", references ")
                .append(esc(references.toString()))
                .append("</p>\n");
        for (int label : labels) {
            List<CaseMetrics> la = a.stream().filter(r -> r.label() == label).toList(),
                    lb = b.stream().filter(r -> r.label() == label).toList();
            h.append("<h2>Label ").append(label).append("</h2>\n");
            h.append(pairedTable(
                    "mean B &minus; A",
                    comparisons.stream().filter(r -> r.label() == label).toList()));
            h.append(plot(List.of(la, lb), List.of("A", "B")));
            List<String[]> changes = new ArrayList<>(); // case, B - A in Dice
            for (int i = 0; i < la.size(); i++) {
                double d = lb.get(i).dice() - la.get(i).dice();
                if (!Double.isNaN(d)) changes.add(new String[] {la.get(i).caseId(), Double.toString(d)});
            }
            changes.sort(Comparator.comparingDouble(c -> Double.parseDouble(c[1])));
            List<String[]> shown = new ArrayList<>(changes.subList(0, Math.min(WORST / 2, changes.size())));
            for (int i = Math.max(shown.size(), changes.size() - WORST / 2); i < changes.size(); i++)
                shown.add(changes.get(i));
            h.append("<h3>Where B lost most and gained most (Dice)</h3>\n");
            for (String[] c : shown) {
                String png = overlay(
                        out, c[0], label, references, images, List.of(predictionsA, predictionsB), List.of("A", "B"));
                h.append(String.format(
                        Locale.ROOT,
                        "<p>%s: Dice B &minus; A %+.3f</p><img src=\"%s\" alt=\"%s\">%n",
                        esc(c[0]),
                        Double.parseDouble(c[1]),
                        png,
                        esc(c[0])));
            }
        }
        return finish(out, h);
    }

    /** The paired comparisons as an HTML table: metric, mean difference, bootstrap interval, Wilcoxon p, cases. */
    public static String pairedTable(String differenceHeader, List<PairedComparison.Result> comparisons) {
        StringBuilder h = new StringBuilder("<table><tr><th>metric</th><th>")
                .append(differenceHeader)
                .append("</th><th>95% CI (bootstrap)</th><th>Wilcoxon p</th><th>cases</th></tr>\n");
        for (PairedComparison.Result r : comparisons) {
            h.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td>%+.4f</td><td>[%+.4f, %+.4f]</td><td>%.3g</td><td>%d</td></tr>%n",
                    r.metric(),
                    r.meanDifference(),
                    r.ci95().low(),
                    r.ci95().high(),
                    r.wilcoxon().pValue(),
                    r.cases()));
        }
        return h.append("</table>\n").toString();
    }

    private static StringBuilder head(String title) {
        return new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 10px;"
                        + "text-align:right}th{background:#eee}td:first-child{text-align:left}"
                        + "img{max-width:100%;border:1px solid #ccc}</style></head><body>\n<h1>")
                .append(esc(title))
                .append("</h1>\n");
    }

    private static Path finish(Path out, StringBuilder h) throws IOException {
        h.append("<p>Metrics as DeepMind's surface-distance defines them: Dice and NSD undefined where neither mask has"
                + " the label, HD95 infinite where one is empty (left out of the means).</p>\n</body></html>\n");
        Path file = out.resolve(FILE);
        AtomicFiles.writeString(file, h.toString());
        return file;
    }

    private static void row(StringBuilder h, String name, List<CaseMetrics> rows, ToDoubleFunction<CaseMetrics> f) {
        double[] v =
                rows.stream().mapToDouble(f).filter(Double::isFinite).sorted().toArray();
        double mean = v.length == 0
                ? Double.NaN
                : java.util.Arrays.stream(v).average().orElse(Double.NaN);
        double median = v.length == 0 ? Double.NaN : (v[(v.length - 1) / 2] + v[v.length / 2]) / 2;
        h.append(String.format(
                Locale.ROOT,
                "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d of %d</td></tr>%n",
                name,
                number(mean),
                number(median),
                v.length,
                rows.size()));
    }

    /** Dice per case (cases along x in name order), one coloured series per prediction folder, as inline SVG. */
    static String plot(List<List<CaseMetrics>> series, List<String> names) {
        int w = 900, hgt = 220, left = 40, bottom = 20, n = series.get(0).size();
        String[] colours = {"#3366cc", "#e0408a"};
        StringBuilder s = new StringBuilder(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
                        + "aria-label=\"Dice per case\"><rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                w,
                hgt + bottom + 10));
        for (double y = 0; y <= 1.0001; y += 0.25) {
            double py = 5 + (1 - y) * hgt;
            s.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"4\" y=\"%.1f\" font-size=\"11\">%.2f</text>%n",
                    left,
                    w,
                    py,
                    py,
                    py + 4,
                    y));
        }
        for (int k = 0; k < series.size(); k++) {
            for (int i = 0; i < n; i++) {
                double d = series.get(k).get(i).dice();
                if (Double.isNaN(d)) continue;
                double px = left + (i + 0.5) * (w - left) / Math.max(1, n), py = 5 + (1 - d) * hgt;
                s.append(String.format(
                        Locale.ROOT,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s %s: %.3f</title></circle>%n",
                        px,
                        py,
                        colours[k % 2],
                        esc(names.get(k)),
                        esc(series.get(k).get(i).caseId()),
                        d));
            }
        }
        for (int k = 0; k < names.size(); k++) {
            s.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">&#9679; %s</text>%n",
                    left + 10 + 120 * k,
                    hgt + bottom + 5,
                    colours[k % 2],
                    esc(names.get(k))));
        }
        return s.append("</svg>\n<p>Dice per case, cases in name order.</p>\n").toString();
    }

    /**
     * The axial slice with the most reference voxels of `label`: the image (or the reference), reference, predictions.
     */
    private static String overlay(
            Path out,
            String caseId,
            int label,
            Path references,
            Path images,
            List<Path> predictions,
            List<String> names)
            throws IOException {
        Path refFile = nifti(references, caseId);
        NiftiImage ref = Nifti.read(refFile);
        int[] dims = {ref.dims()[0], ref.dims()[1], ref.dims()[2]};
        float[] background = ref.data();
        String title = "reference labels";
        if (images != null) {
            Path image = nifti(images, caseId + "_0000");
            if (Files.isRegularFile(image)) {
                background = Nifti.read(image).data();
                title = "image";
            }
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (float v : background) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        List<float[]> masks = new ArrayList<>(List.of(ref.data()));
        List<String> titles = new ArrayList<>(List.of(title, "reference"));
        for (int p = 0; p < predictions.size(); p++) {
            masks.add(Nifti.read(predictions.get(p).resolve(refFile.getFileName()))
                    .data());
            titles.add(names.get(p));
        }
        int z = SliceOverlay.busiestSlice(ref.data(), dims, label);
        String png = "overlay_" + caseId.replaceAll("[^A-Za-z0-9_.-]", "_") + "_label" + label + ".png";
        SliceOverlay.write(out.resolve(png), background, dims, z, lo, hi > lo ? hi : lo + 1, masks, label, titles);
        return png;
    }

    private static Path nifti(Path folder, String id) {
        Path gz = folder.resolve(id + ".nii.gz");
        return Files.isRegularFile(gz) ? gz : folder.resolve(id + ".nii");
    }

    private static String number(double v) {
        if (Double.isNaN(v)) return "&ndash;";
        if (Double.isInfinite(v)) return "&infin;";
        return String.format(Locale.ROOT, "%.4g", v);
    }

    /** Text made safe inside HTML (also inside attribute values). */
    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
