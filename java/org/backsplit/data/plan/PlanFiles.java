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

    /**
     * Writes both files; refuses, before writing anything, when `dir` holds nnU-Net's own fingerprint or plans (an
     * nnU-Net preprocessed folder): those are never overwritten.
     */
    public static void write(Path dir, Fingerprint fingerprint, Plan plan) throws IOException {
        refuseNnUNetFile(dir.resolve(FINGERPRINT), "shapes_after_crop");
        refuseNnUNetFile(dir.resolve(PLANS), "configurations");
        AtomicFiles.writeString(dir.resolve(FINGERPRINT), JSON.writeValueAsString(fingerprint));
        AtomicFiles.writeString(dir.resolve(PLANS), JSON.writeValueAsString(plan));
    }

    public static Plan readPlan(Path dir) throws IOException {
        Path file = dir.resolve(PLANS);
        if (isNnUNets(file, "configurations"))
            throw new FormatException(
                    file,
                    "is nnU-Net's plans.json, not one of ours: to predict with an nnU-Net"
                            + " model give its results folder to predict --model");
        try {
            return JSON.readValue(file.toFile(), Plan.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(file, "is not a plan: " + e.getOriginalMessage());
        }
    }

    private static void refuseNnUNetFile(Path file, String nnunetKey) throws IOException {
        if (isNnUNets(file, nnunetKey)) {
            throw new FormatException(
                    file,
                    "is nnU-Net's own (it has '" + nnunetKey + "'); plan never overwrites"
                            + " nnU-Net's files: give --preprocessed a folder of its own");
        }
    }

    /** True when `file` exists and is nnU-Net's JSON (it has nnU-Net's key where ours has camel-case names). */
    private static boolean isNnUNets(Path file, String nnunetKey) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) return false;
        try {
            return JSON.readTree(file.toFile()).has(nnunetKey);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return false; // not JSON at all: not nnU-Net's either; ours is rewritten whole
        }
    }
}
