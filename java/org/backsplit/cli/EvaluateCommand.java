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
import org.backsplit.eval.Summary;
import org.backsplit.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Scores a folder of predictions against a folder of references, file by file. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Scores predictions against references (NIfTI files of the same names; spacing from the reference headers) per case "
                + "and label: Dice, volumes, lesion-wise errors (26-connected components). Writes OUT/per_case.csv and OUT/summary.json. "
                + "HD95 and NSD are not computed yet.")
final class EvaluateCommand implements Callable<Integer> {
    private static final List<String> COLUMNS = List.of("case", "label", "dice", "reference_ml", "predicted_ml", "lesions_true_positive",
            "lesions_false_negative", "lesions_false_positive", "lesion_precision", "lesion_recall", "lesion_f1", "false_positive_ml",
            "false_negative_ml");

    @Option(names = "--pred", required = true, description = "folder of predicted label maps")
    Path pred;

    @picocli.CommandLine.Mixin
    ScoringOptions scoring;

    @Override
    public Integer call() throws Exception {
        List<CaseMetrics> rows = FolderEvaluation.score(pred, scoring.ref, scoring.labels);
        Files.createDirectories(scoring.out);
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        COLUMNS.forEach(schema::addColumn);
        List<Map<String, Object>> csvRows = new ArrayList<>();
        for (CaseMetrics m : rows) csvRows.add(row(m));
        AtomicFiles.writeString(scoring.out.resolve("per_case.csv"), new CsvMapper().writer(schema.build()).writeValueAsString(csvRows));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("pred", pred.toString());
        summary.put("ref", scoring.ref.toString());
        summary.put("labels", Summary.of(rows));
        summary.put("not_computed", List.of("hd95", "nsd"));
        AtomicFiles.writeString(scoring.out.resolve("summary.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary));
        System.out.println("scored " + rows.size() / scoring.labels.size() + " cases, labels " + scoring.labels + ": " + scoring.out.resolve("per_case.csv") + ", " + scoring.out.resolve("summary.json"));
        return 0;
    }

    private static Map<String, Object> row(CaseMetrics m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("case", m.caseId());
        r.put("label", m.label());
        r.put("dice", m.dice());
        r.put("reference_ml", m.referenceMl());
        r.put("predicted_ml", m.predictedMl());
        r.put("lesions_true_positive", m.lesions().truePositiveLesions());
        r.put("lesions_false_negative", m.lesions().falseNegativeLesions());
        r.put("lesions_false_positive", m.lesions().falsePositiveLesions());
        r.put("lesion_precision", m.lesions().precision());
        r.put("lesion_recall", m.lesions().recall());
        r.put("lesion_f1", m.lesions().f1());
        r.put("false_positive_ml", m.lesions().falsePositiveMl());
        r.put("false_negative_ml", m.lesions().falseNegativeMl());
        return r;
    }
}
