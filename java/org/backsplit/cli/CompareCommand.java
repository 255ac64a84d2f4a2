package org.backsplit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.FolderEvaluation;
import org.backsplit.eval.PairedComparison;
import org.backsplit.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Two sets of predictions against one reference: per-case differences and whether they are more than noise. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description =
                "Scores two prediction folders (A, e.g. binary, and B, e.g. BackSplit) against one reference folder and reports, per "
                        + "label and metric (Dice, lesion F1, false-positive ml, false-positive lesions), the per-case differences B - A, their mean with a bootstrap 95%% "
                        + "interval and the Wilcoxon signed-rank p-value. Cases where a metric is undefined for either are left out and counted.")
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--a", required = true, description = "the first prediction folder (the baseline)")
    Path a;

    @Option(names = "--b", required = true, description = "the second prediction folder")
    Path b;

    @picocli.CommandLine.Mixin
    ScoringOptions scoring;

    @Option(
            names = "--resamples",
            defaultValue = "10000",
            description = "bootstrap resamples (default: ${DEFAULT-VALUE}; seeded, so reruns agree)")
    int resamples;

    @Override
    public Integer call() throws Exception {
        List<List<CaseMetrics>> scored =
                FolderEvaluation.score(List.of(a, b), scoring.ref, scoring.labels, scoring.tolerance);
        List<CaseMetrics> ra = scored.get(0), rb = scored.get(1);
        List<Map<String, Object>> csvRows = new ArrayList<>();
        Map<String, Object> perLabel = new LinkedHashMap<>();
        List<PairedComparison.Result> results = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format(
                "%-6s %-22s %5s %10s %22s %10s%n", "label", "metric", "cases", "mean B-A", "95% CI", "Wilcoxon p"));
        for (int label : scoring.labels) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            for (String metric : PairedComparison.METRICS.keySet()) {
                PairedComparison.Result r = PairedComparison.of(ra, rb, label, metric, resamples);
                results.add(r);
                for (PairedComparison.Difference d : r.perCase()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("case", d.caseId());
                    row.put("label", label);
                    row.put("metric", metric);
                    row.put("a", d.a());
                    row.put("b", d.b());
                    row.put("b_minus_a", d.b() - d.a());
                    csvRows.add(row);
                }
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("cases", r.cases());
                s.put("undefined_cases", r.undefinedCases());
                s.put("mean_difference", r.cases() == 0 ? null : r.meanDifference());
                s.put(
                        "ci95",
                        r.cases() == 0 ? null : List.of(r.ci95().low(), r.ci95().high()));
                s.put("wilcoxon_statistic", r.wilcoxon().statistic());
                s.put(
                        "wilcoxon_p",
                        Double.isNaN(r.wilcoxon().pValue())
                                ? null
                                : r.wilcoxon().pValue());
                s.put("wilcoxon_exact", r.wilcoxon().exact());
                metrics.put(metric, s);
                table.append(String.format(
                        "%-6d %-22s %5d %10.4f %22s %10.4g%n",
                        label,
                        metric,
                        r.cases(),
                        r.meanDifference(),
                        String.format("[%.4f, %.4f]", r.ci95().low(), r.ci95().high()),
                        r.wilcoxon().pValue()));
            }
            perLabel.put(String.valueOf(label), metrics);
        }
        Files.createDirectories(scoring.out);
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        List.of("case", "label", "metric", "a", "b", "b_minus_a").forEach(schema::addColumn);
        AtomicFiles.writeString(
                scoring.out.resolve("compare_per_case.csv"),
                new CsvMapper().writer(schema.build()).writeValueAsString(csvRows));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("a", a.toString());
        json.put("b", b.toString());
        json.put("ref", scoring.ref.toString());
        json.put("labels", perLabel);
        AtomicFiles.writeString(
                scoring.out.resolve("compare.json"),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        System.out.print(table);
        if (scoring.html) {
            System.out.println("report: "
                    + org.backsplit.report.EvaluationReport.comparison(
                            scoring.out, ra, rb, results, a, b, scoring.ref, scoring.images, scoring.labels));
        }
        return 0;
    }
}
