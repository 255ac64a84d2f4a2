package org.backsplit.data.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;

/** dataset_fingerprint.json and plans.json in a preprocessed folder, as nnU-Net keeps them (written atomically). */
public final class PlanFiles {
    public static final String FINGERPRINT = "dataset_fingerprint.json";
    public static final String PLANS = "plans.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PlanFiles() {}

    public static void write(Path dir, Fingerprint fingerprint, Plan plan) throws IOException {
        AtomicFiles.writeString(dir.resolve(FINGERPRINT), JSON.writeValueAsString(fingerprint));
        AtomicFiles.writeString(dir.resolve(PLANS), JSON.writeValueAsString(plan));
    }

    public static Plan readPlan(Path dir) throws IOException {
        Path file = dir.resolve(PLANS);
        try {
            return JSON.readValue(file.toFile(), Plan.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(file, "is not a plan: " + e.getOriginalMessage());
        }
    }
}
