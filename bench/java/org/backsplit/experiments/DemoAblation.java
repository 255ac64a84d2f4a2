package org.backsplit.experiments;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.TrainingMode;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.backsplit.demo.Demo;
import org.backsplit.eval.CaseMetrics;

/**
 * The question of the paper's §5 on the demo data: which auxiliary structure helps most? Trains BackSplit once without
 * each auxiliary structure (it becomes background), with the demo's budget and seed, next to the demo's binary and full
 * BackSplit models (reused from the demo's folder when present), and prints the held-out lesion Dice and false
 * positives beside the Fisher diagnostic's ranking of the full model.
 *
 * <p>Usage: DemoAblation DEMO_FOLDER THREADS
 */
public final class DemoAblation {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Backend cpu = new CpuBackend(Integer.parseInt(args[1]));
        Demo.Options o = Demo.Options.defaults(out);
        PrintStream log = System.err;
        Demo.Prepared p = Demo.prepare(o, log);
        List<String> aux = List.of(SyntheticAbdomen.LABELS).subList(2, SyntheticAbdomen.LABELS.length);
        List<Demo.ModelOutcome> models = new ArrayList<>();
        models.add(Demo.trainAndEvaluate(o, p, Demo.settings(o, TrainingMode.BINARY, List.of()), cpu, log));
        Demo.ModelOutcome full =
                Demo.trainAndEvaluate(o, p, Demo.settings(o, TrainingMode.BACKSPLIT, List.of()), cpu, log);
        models.add(full);
        for (String without : aux) {
            List<String> kept = aux.stream().filter(a -> !a.equals(without)).toList();
            models.add(Demo.trainAndEvaluate(o, p, Demo.settings(o, TrainingMode.BACKSPLIT, kept), cpu, log));
        }
        System.out.printf(
                "%-40s %12s %10s %12s %14s%n", "model", "lesion Dice", "lesion F1", "FP lesions", "FP ml/case");
        for (Demo.ModelOutcome m : models) {
            System.out.printf(
                    "%-40s %12.4f %10.4f %12.2f %14.3f%n",
                    m.mode(),
                    mean(m.rows(), CaseMetrics::dice),
                    mean(m.rows(), r -> r.lesions().f1()),
                    mean(m.rows(), r -> r.lesions().falsePositiveLesions()),
                    mean(m.rows(), r -> r.lesions().falsePositiveMl()));
        }
        System.out.println(
                "\nFisher ranking of the full BackSplit model (share of the missing information near the lesions):");
        for (Map.Entry<String, Double> e : full.missingShareNear().entrySet())
            System.out.printf("  %-14s %6.2f%%%n", e.getKey(), 100 * e.getValue());
    }

    private static double mean(List<CaseMetrics> rows, java.util.function.ToDoubleFunction<CaseMetrics> f) {
        return rows.stream().mapToDouble(f).filter(Double::isFinite).average().orElse(Double.NaN);
    }
}
