package org.backsplit.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.io.AtomicFiles;

/**
 * An evaluation on disk: per_case.csv (one row per case and label: Dice, HD95 (mm), NSD at the tolerance, volumes,
 * lesion-wise errors; non-finite values as NaN / Infinity) and summary.json (the caller's context, then mean and median
 * per label), both written atomically.
 */
public final class EvaluationFiles {
    public static final String PER_CASE = "per_case.csv";
    public static final String SUMMARY = "summary.json";
    private static final List<String> COLUMNS = List.of(
            "case",
            "label",
            "dice",
            "hd95",
            "nsd",
            "reference_ml",
            "predicted_ml",
            "lesions_true_positive",
            "lesions_false_negative",
            "lesions_false_positive",
            "lesion_precision",
            "lesion_recall",
            "lesion_f1",
            "false_positive_ml",
            "false_negative_ml");

    private EvaluationFiles() {}

    public static void write(Path out, List<CaseMetrics> rows, Map<String, Object> context) throws IOException {
        Files.createDirectories(out);
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        COLUMNS.forEach(schema::addColumn);
        List<Map<String, Object>> csvRows = new ArrayList<>();
        for (CaseMetrics m : rows) csvRows.add(row(m));
        AtomicFiles.writeString(
                out.resolve(PER_CASE), new CsvMapper().writer(schema.build()).writeValueAsString(csvRows));
        Map<String, Object> summary = new LinkedHashMap<>(context);
        summary.put("labels", Summary.of(rows));
        AtomicFiles.writeString(
                out.resolve(SUMMARY),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary));
    }

    private static Map<String, Object> row(CaseMetrics m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("case", m.caseId());
        r.put("label", m.label());
        r.put("dice", m.dice());
        r.put("hd95", m.hd95());
        r.put("nsd", m.nsd());
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
