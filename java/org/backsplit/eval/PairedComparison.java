package org.backsplit.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Two models scored on the same cases, compared per metric: the per-case differences B - A, their mean with a seeded
 * bootstrap 95% interval, and the Wilcoxon signed-rank test. Cases where either value is undefined (NaN, e.g. Dice with
 * both masks empty) or infinite (HD95 with one mask empty) are left out and counted.
 */
public final class PairedComparison {
    /** The metrics compared, by the name they carry in the outputs. */
    public static final Map<String, ToDoubleFunction<CaseMetrics>> METRICS = new LinkedHashMap<>();

    static {
        METRICS.put("dice", CaseMetrics::dice);
        METRICS.put("hd95", CaseMetrics::hd95);
        METRICS.put("nsd", CaseMetrics::nsd);
        METRICS.put("lesion_f1", m -> m.lesions().f1());
        METRICS.put("false_positive_ml", m -> m.lesions().falsePositiveMl());
        METRICS.put("false_positive_lesions", m -> m.lesions().falsePositiveLesions());
    }

    public record Difference(String caseId, double a, double b) {}

    public record Result(
            String metric,
            int label,
            List<Difference> perCase,
            int cases,
            int undefinedCases,
            double meanDifference,
            PairedStatistics.Interval ci95,
            PairedStatistics.Wilcoxon wilcoxon) {}

    private PairedComparison() {}

    /** @param a, b rows of the same cases in the same order (as {@link FolderEvaluation} returns them) */
    public static Result of(List<CaseMetrics> a, List<CaseMetrics> b, int label, String metric, int resamples) {
        ToDoubleFunction<CaseMetrics> f = METRICS.get(metric);
        if (f == null) throw new IllegalArgumentException("no metric '" + metric + "'; there are " + METRICS.keySet());
        List<Difference> perCase = new ArrayList<>();
        List<Double> diffs = new ArrayList<>();
        int undefined = 0;
        for (int i = 0; i < a.size(); i++) {
            CaseMetrics ma = a.get(i), mb = b.get(i);
            if (ma.label() != label) continue;
            if (!ma.caseId().equals(mb.caseId()) || mb.label() != label)
                throw new IllegalArgumentException("the two score lists are not paired at row " + i);
            double va = f.applyAsDouble(ma), vb = f.applyAsDouble(mb);
            perCase.add(new Difference(ma.caseId(), va, vb));
            if (!Double.isFinite(va) || !Double.isFinite(vb)) undefined++; // NaN, or an infinite HD95
            else diffs.add(vb - va);
        }
        double[] d = diffs.stream().mapToDouble(Double::doubleValue).toArray();
        return new Result(
                metric,
                label,
                perCase,
                d.length,
                undefined,
                d.length == 0 ? Double.NaN : PairedStatistics.mean(d),
                PairedStatistics.bootstrapMean(d, resamples, 12345),
                PairedStatistics.wilcoxon(d));
    }
}
