package org.backsplit.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per label over the cases: mean and median Dice and NSD over the cases where they are defined (both masks empty:
 * counted apart), HD95 over the finite cases with the infinite ones counted and a mean where the image diagonal stands
 * in for them, and the lesion-wise counts and volumes summed, with precision, recall and F1 of the pooled counts.
 */
public final class Summary {
    private Summary() {}

    public static Map<String, Object> of(List<CaseMetrics> rows) {
        Map<Integer, List<CaseMetrics>> byLabel = new LinkedHashMap<>();
        for (CaseMetrics m : rows)
            byLabel.computeIfAbsent(m.label(), k -> new ArrayList<>()).add(m);
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : byLabel.entrySet()) {
            double[] dice = e.getValue().stream()
                    .mapToDouble(CaseMetrics::dice)
                    .filter(d -> !Double.isNaN(d))
                    .sorted()
                    .toArray();
            int tp = 0, fn = 0, tpPred = 0, fp = 0;
            double fpMl = 0, fnMl = 0;
            for (CaseMetrics m : e.getValue()) {
                LesionWise l = m.lesions();
                tp += l.truePositiveLesions();
                fn += l.falseNegativeLesions();
                tpPred += l.truePositivePredictions();
                fp += l.falsePositiveLesions();
                fpMl += l.falsePositiveMl();
                fnMl += l.falseNegativeMl();
            }
            LesionWise pooled = new LesionWise(tp, fn, tpPred, fp, fpMl, fnMl);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("cases", e.getValue().size());
            s.put(
                    "dice_mean",
                    dice.length == 0 ? null : Arrays.stream(dice).average().orElseThrow());
            s.put("dice_median", dice.length == 0 ? null : median(dice));
            s.put("dice_undefined_cases", e.getValue().size() - dice.length);
            double[] hd = e.getValue().stream()
                    .mapToDouble(CaseMetrics::hd95)
                    .filter(Double::isFinite)
                    .sorted()
                    .toArray();
            double[] hdPenalized = e.getValue().stream()
                    .mapToDouble(CaseMetrics::hd95WithPenalty)
                    .filter(Double::isFinite)
                    .sorted()
                    .toArray();
            s.put(
                    "hd95_mean",
                    hd.length == 0 ? null : Arrays.stream(hd).average().orElseThrow());
            s.put("hd95_median", hd.length == 0 ? null : median(hd));
            s.put(
                    "hd95_infinite_cases",
                    e.getValue().stream()
                            .filter(m -> Double.isInfinite(m.hd95()))
                            .count());
            s.put("hd95_penalty", "image diagonal (mm) for an infinite HD95 (one mask empty)");
            s.put(
                    "hd95_mean_with_penalty",
                    hdPenalized.length == 0
                            ? null
                            : Arrays.stream(hdPenalized).average().orElseThrow());
            double[] nsd = e.getValue().stream()
                    .mapToDouble(CaseMetrics::nsd)
                    .filter(d -> !Double.isNaN(d))
                    .sorted()
                    .toArray();
            s.put("nsd_tolerance_mm", e.getValue().get(0).toleranceMm());
            s.put(
                    "nsd_mean",
                    nsd.length == 0 ? null : Arrays.stream(nsd).average().orElseThrow());
            s.put("nsd_median", nsd.length == 0 ? null : median(nsd));
            s.put("nsd_undefined_cases", e.getValue().size() - nsd.length);
            s.put("lesions_true_positive", tp);
            s.put("lesions_false_negative", fn);
            s.put("lesions_false_positive", fp);
            s.put("lesion_precision", finiteOrNull(pooled.precision()));
            s.put("lesion_recall", finiteOrNull(pooled.recall()));
            s.put("lesion_f1", finiteOrNull(pooled.f1()));
            s.put("false_positive_ml", fpMl);
            s.put("false_negative_ml", fnMl);
            out.put(String.valueOf(e.getKey()), s);
        }
        return out;
    }

    /** The median of sorted values: the mean of the middle two for an even count, as numpy's. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Double finiteOrNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
