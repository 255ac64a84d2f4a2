package org.backsplit.demo;

import static org.backsplit.report.EvaluationReport.esc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.backsplit.data.plan.Plan;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.PairedComparison;
import org.backsplit.io.AtomicFiles;

/**
 * The demo's table (printed) and its HTML report: the table, the paired comparison, the Fisher diagnostic, curves and
 * overlays.
 */
final class DemoReport {
    private DemoReport() {}

    static String table(List<Demo.ModelOutcome> models, List<PairedComparison.Result> comparisons) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "%-10s %15s %14s %6s %16s %16s %10s %12s%n",
                "model",
                "lesion Dice",
                "HD95 mm",
                "NSD",
                "FP lesions/case",
                "FN lesions/case",
                "lesion F1",
                "FP ml/case"));
        for (Demo.ModelOutcome m : models)
            b.append(String.format(Locale.ROOT, "%-10s %15s %14s %6s %16s %16s %10s %12s%n", (Object[]) cells(m)));
        b.append(String.format(
                Locale.ROOT,
                "%nbacksplit - binary, paired over held-out cases (bootstrap 95%% CI, Wilcoxon signed-rank):%n"));
        for (PairedComparison.Result r : comparisons) {
            b.append(String.format(
                    Locale.ROOT,
                    "  %-22s %+9.4f  [%+.4f, %+.4f]  p = %.3g  (%d cases%s)%n",
                    r.metric(),
                    r.meanDifference(),
                    r.ci95().low(),
                    r.ci95().high(),
                    r.wilcoxon().pValue(),
                    r.cases(),
                    r.undefinedCases() > 0 ? ", " + r.undefinedCases() + " undefined left out" : ""));
        }
        b.append(String.format(
                Locale.ROOT, "%nFisher information near the lesions (tr I_Y / tr I_Z, held-out cases):%n"));
        for (Demo.ModelOutcome m : models) {
            b.append(String.format(
                    Locale.ROOT,
                    "  %-10s %.3f near, %.3f overall%n",
                    m.mode(),
                    m.fisherRatioNear(),
                    m.fisherRatioAll()));
        }
        Demo.ModelOutcome last = models.getLast();
        b.append("  share of the missing information near the lesions (" + last.mode() + "):");
        last.missingShareNear().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.1f%%", k, 100 * v)));
        b.append(String.format(
                Locale.ROOT,
                "%nHD95: mean over the cases where both masks are non-empty (inf: cases where one is empty); NSD at %.0f mm.%n",
                CaseMetrics.DEFAULT_TOLERANCE_MM));
        return b.toString();
    }

    static Path write(
            Path dir,
            Demo.Options o,
            Plan plan,
            List<Demo.ModelOutcome> models,
            List<PairedComparison.Result> comparisons,
            List<String> overlays,
            double seconds,
            String device)
            throws IOException {
        StringBuilder h = new StringBuilder();
        h.append(
                        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>BackSplit demo</title>\n<style>")
                .append(
                        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append(
                        "td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}th{background:#eee}td:first-child{text-align:left}")
                .append(
                        "img{max-width:100%;border:1px solid #ccc;margin:4px 0}.note{color:#555;font-size:90%}</style></head><body>\n");
        h.append("<h1>BackSplit demo: binary vs BackSplit (")
                .append(o.data().datasetName)
                .append(", ")
                .append(o.architecture().checkpointName())
                .append(")</h1>\n");
        Plan trained = org.backsplit.run.NetworkConfiguration.dataPlan(
                o.architecture(), plan); // the 2D U-Net's slices, SegResNet's rounded patch
        StringBuilder training = new StringBuilder();
        for (Demo.ModelOutcome m : models)
            training.append(String.format(Locale.ROOT, "%s %.0f s, ", m.mode(), m.trainingSeconds()));
        h.append(String.format(
                Locale.ROOT,
                "<p>%d training cases (fold 0: 80%% train, 20%% validation), %d held-out cases; patch %s, batch %d; "
                        + "%s widths %d..%d; %s lr %s, poly; %d epochs x %d iterations for each model; device %s. Training time (sum of the epochs): %sthis "
                        + "invocation %.0f s (a re-run reuses the trained models).</p>%n",
                o.trainingCases(),
                o.testCases(),
                java.util.Arrays.toString(trained.patchSize()),
                trained.batchSize(),
                o.architecture().checkpointName(),
                o.features()[0],
                o.features()[1],
                Demo.optimizer(o).kind(),
                Demo.optimizer(o).initialLr(),
                o.epochs(),
                o.iterationsPerEpoch(),
                esc(device),
                training,
                seconds));
        h.append("<p class=\"note\">").append(esc(o.data().description)).append("</p>\n");
        h.append(
                "<h2>Held-out results (lesion)</h2>\n<table><tr><th>model</th><th>Dice (mean &plusmn; sd)</th><th>HD95 (mm)</th><th>NSD (2 mm)</th>"
                        + "<th>FP lesions / case</th><th>FN lesions / case</th><th>lesion F1</th><th>FP ml / case</th></tr>\n");
        for (Demo.ModelOutcome m : models)
            h.append("<tr><td>").append(String.join("</td><td>", cells(m))).append("</td></tr>\n");
        h.append(
                "</table>\n<p class=\"note\">As DeepMind's surface-distance defines them: Dice and NSD are undefined (left out of the means) "
                        + "where neither reference nor prediction has a lesion; HD95 is infinite where one of them is empty (counted as inf, left out of "
                        + "the mean).</p>\n");
        h.append("<h2>Paired comparison (BackSplit &minus; binary)</h2>\n")
                .append(org.backsplit.report.EvaluationReport.pairedTable("mean difference", comparisons));
        h.append(
                        "<h2>Fisher information near the lesions</h2>\n<table><tr><th>model</th><th>tr I<sub>Y</sub> / tr I<sub>Z</sub> within ")
                .append(Demo.FISHER_MARGIN_MM)
                .append(" mm</th><th>overall</th></tr>\n");
        for (Demo.ModelOutcome m : models) {
            h.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td>%.3f</td><td>%.3f</td></tr>%n",
                    m.mode(),
                    m.fisherRatioNear(),
                    m.fisherRatioAll()));
        }
        h.append(
                "</table>\n<p>Share of the missing information near the lesions, per non-target class (BackSplit model): ");
        models.getLast()
                .missingShareNear()
                .forEach((k, v) -> h.append(String.format(Locale.ROOT, "%s %.1f%%; ", esc(k), 100 * v)));
        h.append("</p>\n<h2>Training curves</h2>\n");
        for (Demo.ModelOutcome m : models) {
            h.append("<h3>")
                    .append(m.mode())
                    .append("</h3>\n<img src=\"progress_")
                    .append(m.mode())
                    .append(".png\" alt=\"training progress, ")
                    .append(m.mode())
                    .append("\">\n");
        }
        h.append(
                "<h2>Held-out slices</h2>\n<p class=\"note\">The axial slice through the most lesion voxels; lesions in pink.</p>\n");
        for (String f : overlays)
            h.append("<img src=\"").append(f).append("\" alt=\"").append(f).append("\"><br>\n");
        h.append("<h2>Raw numbers</h2><pre>")
                .append(esc(table(models, comparisons)))
                .append("</pre>\n</body></html>\n");
        Path file = dir.resolve("index.html");
        AtomicFiles.writeString(file, h.toString());
        return file;
    }

    /** One model's row of the results table, for the text and the HTML alike. */
    private static String[] cells(Demo.ModelOutcome m) {
        List<CaseMetrics> r = m.rows();
        long infinite = r.stream().filter(x -> Double.isInfinite(x.hd95())).count();
        String hd95 = String.format(Locale.ROOT, "%.2f", mean(r, CaseMetrics::hd95))
                + (infinite > 0 ? " (" + infinite + " inf)" : "");
        return new String[] {
            m.mode(),
            meanSd(r, CaseMetrics::dice),
            hd95,
            String.format(Locale.ROOT, "%.3f", mean(r, CaseMetrics::nsd)),
            String.format(Locale.ROOT, "%.2f", mean(r, x -> x.lesions().falsePositiveLesions())),
            String.format(Locale.ROOT, "%.2f", mean(r, x -> x.lesions().falseNegativeLesions())),
            String.format(Locale.ROOT, "%.3f", mean(r, x -> x.lesions().f1())),
            String.format(Locale.ROOT, "%.3f", mean(r, x -> x.lesions().falsePositiveMl()))
        };
    }

    private static double mean(List<CaseMetrics> rows, ToDoubleFunction<CaseMetrics> f) {
        return rows.stream().mapToDouble(f).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    private static String meanSd(List<CaseMetrics> rows, ToDoubleFunction<CaseMetrics> f) {
        double[] v = rows.stream().mapToDouble(f).filter(Double::isFinite).toArray();
        double m = java.util.Arrays.stream(v).average().orElse(Double.NaN), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return String.format(
                Locale.ROOT, "%.3f \u00b1 %.3f", m, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : Double.NaN);
    }
}
