package org.backsplit.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.EvaluationFiles;
import org.backsplit.eval.FolderEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Scores a folder of predictions against a folder of references, file by file. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description =
                "Scores predictions against references (NIfTI files of the same names; spacing from the reference headers) per case "
                        + "and label: Dice, HD95 and NSD at --tolerance (as DeepMind's surface-distance defines them), volumes, lesion-wise errors "
                        + "(26-connected components). Writes OUT/per_case.csv and OUT/summary.json, and with --html OUT/report.html.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--pred", required = true, description = "folder of predicted label maps")
    Path pred;

    @picocli.CommandLine.Mixin
    ScoringOptions scoring;

    @Override
    public Integer call() throws Exception {
        List<CaseMetrics> rows = FolderEvaluation.score(pred, scoring.ref, scoring.labels, scoring.tolerance);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("pred", pred.toString());
        context.put("ref", scoring.ref.toString());
        EvaluationFiles.write(scoring.out, rows, context);
        if (scoring.html) {
            System.out.println("report: "
                    + org.backsplit.report.EvaluationReport.evaluation(
                            scoring.out, rows, pred, scoring.ref, scoring.images, scoring.labels));
        }
        System.out.println("scored " + rows.size() / scoring.labels.size() + " cases, labels " + scoring.labels + ": "
                + scoring.out.resolve(EvaluationFiles.PER_CASE) + ", " + scoring.out.resolve(EvaluationFiles.SUMMARY));
        return 0;
    }
}
