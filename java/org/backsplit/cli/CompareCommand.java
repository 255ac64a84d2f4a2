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
import java.util.function.ToDoubleFunction;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.FolderEvaluation;
import org.backsplit.eval.PairedStatistics;
import org.backsplit.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Two sets of predictions against one reference: per-case differences and whether they are more than noise. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Scores two prediction folders (A, e.g. binary, and B, e.g. BackSplit) against one reference folder and reports, per "
                + "label and metric (Dice, lesion F1, false-positive ml), the per-case differences B - A, their mean with a bootstrap 95% "
                + "interval and the Wilcoxon signed-rank p-value. Cases where a metric is undefined for either are left out and counted.")
final class CompareCommand implements Callable<Integer> {
    private static final Map<String, ToDoubleFunction<CaseMetrics>> METRICS = new LinkedHashMap<>();

    static {
        METRICS.put("dice", CaseMetrics::dice);
        METRICS.put("lesion_f1", m -> m.lesions().f1());
        METRICS.put("false_positive_ml", m -> m.lesions().falsePositiveMl());
    }

    @Option(names = "--a", required = true, description = "the first prediction folder (the baseline)")
    Path a;

    @Option(names = "--b", required = true, description = "the second prediction folder")
    Path b;

    @picocli.CommandLine.Mixin
    ScoringOptions scoring;

    @Option(names = "--resamples", defaultValue = "10000", description = "bootstrap resamples (default: ${DEFAULT-VALUE}; seeded, so reruns agree)")
    int resamples;

    @Override
    public Integer call() throws Exception {
        List<List<CaseMetrics>> scored = FolderEvaluation.score(List.of(a, b), scoring.ref, scoring.labels);
        List<CaseMetrics> ra = scored.get(0), rb = scored.get(1);
        List<Map<String, Object>> csvRows = new ArrayList<>();
        Map<String, Object> perLabel = new LinkedHashMap<>();
        StringBuilder table = new StringBuilder(String.format("%-6s %-18s %5s %10s %22s %10s%n", "label", "metric", "cases", "mean B-A", "95% CI", "Wilcoxon p"));
        for (int label : scoring.labels) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            for (var metric : METRICS.entrySet()) {
                List<Double> diffs = new ArrayList<>();
                int undefined = 0;
                for (int i = 0; i < ra.size(); i++) {
                    CaseMetrics ma = ra.get(i), mb = rb.get(i);
                    if (ma.label() != label) continue;
                    double va = metric.getValue().applyAsDouble(ma), vb = metric.getValue().applyAsDouble(mb);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("case", ma.caseId());
                    row.put("label", label);
                    row.put("metric", metric.getKey());
                    row.put("a", va);
                    row.put("b", vb);
                    row.put("b_minus_a", vb - va);
                    csvRows.add(row);
                    if (Double.isNaN(va) || Double.isNaN(vb)) undefined++;
                    else diffs.add(vb - va);
                }
                double[] d = diffs.stream().mapToDouble(Double::doubleValue).toArray();
                PairedStatistics.Interval ci = PairedStatistics.bootstrapMean(d, resamples, 12345);
                PairedStatistics.Wilcoxon w = PairedStatistics.wilcoxon(d);
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("cases", d.length);
                s.put("undefined_cases", undefined);
                s.put("mean_difference", d.length == 0 ? null : PairedStatistics.mean(d));
                s.put("ci95", d.length == 0 ? null : List.of(ci.low(), ci.high()));
                s.put("wilcoxon_statistic", w.statistic());
                s.put("wilcoxon_p", Double.isNaN(w.pValue()) ? null : w.pValue());
                s.put("wilcoxon_exact", w.exact());
                metrics.put(metric.getKey(), s);
                table.append(String.format("%-6d %-18s %5d %10.4f %22s %10.4g%n", label, metric.getKey(), d.length, PairedStatistics.mean(d),
                        String.format("[%.4f, %.4f]", ci.low(), ci.high()), w.pValue()));
            }
            perLabel.put(String.valueOf(label), metrics);
        }
        Files.createDirectories(scoring.out);
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        List.of("case", "label", "metric", "a", "b", "b_minus_a").forEach(schema::addColumn);
        AtomicFiles.writeString(scoring.out.resolve("compare_per_case.csv"), new CsvMapper().writer(schema.build()).writeValueAsString(csvRows));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("a", a.toString());
        json.put("b", b.toString());
        json.put("ref", scoring.ref.toString());
        json.put("labels", perLabel);
        AtomicFiles.writeString(scoring.out.resolve("compare.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        System.out.print(table);
        return 0;
    }
}
