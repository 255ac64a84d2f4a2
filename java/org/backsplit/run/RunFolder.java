package org.backsplit.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;

/**
 * The files of one run, laid out as nnU-Net's results folder: RESULTS/DATASET/CONFIGURATION/fold_k with the checkpoints
 * (latest, best, final), the training log, the progress chart, copies of the plan and dataset.json, the validation
 * predictions with their evaluation, and the postprocessing chosen on them (postprocessing.json).
 */
public record RunFolder(Path root) {
    public static final String HISTORY = "history.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The class layout a checkpoint was trained with when it sits in a run folder (checkpoint_final, _best or _latest
     * beside run.json): exact for every mode and auxiliary subset. Empty for a checkpoint elsewhere.
     */
    public static java.util.Optional<org.backsplit.data.ClassMap> classesOf(
            Path checkpoint, org.backsplit.data.DatasetJson json) throws java.io.IOException {
        Path parent = checkpoint.toAbsolutePath().getParent();
        if (parent == null || !java.nio.file.Files.isRegularFile(parent.resolve("run.json")))
            return java.util.Optional.empty();
        return java.util.Optional.of(new RunFolder(parent).readSettings().classes(json));
    }

    /** The run's settings (run.json), or an error naming the file when it is missing or unreadable. */
    public RunSettings readSettings() throws java.io.IOException {
        if (!java.nio.file.Files.isRegularFile(settings()))
            throw new FormatException(settings(), "is missing: there is no run to continue here");
        try {
            return JSON.readValue(settings().toFile(), RunSettings.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(settings(), "cannot be read: " + e.getOriginalMessage());
        }
    }

    /** Writes run.json atomically. */
    public void writeSettings(RunSettings s) throws java.io.IOException {
        AtomicFiles.writeString(settings(), JSON.writeValueAsString(s));
    }

    public static RunFolder of(Path results, String dataset, RunSettings s) {
        return new RunFolder(
                results.resolve(dataset).resolve(s.configurationName()).resolve(s.foldName()));
    }

    public Path latest() {
        return root.resolve("checkpoint_latest");
    }

    public Path best() {
        return root.resolve("checkpoint_best");
    }

    public Path finalCheckpoint() {
        return root.resolve("checkpoint_final");
    }

    public Path settings() {
        return root.resolve("run.json");
    }

    public Path log() {
        return root.resolve("training_log.txt");
    }

    public Path progressJson() {
        return root.resolve("progress.json");
    }

    public Path chart() {
        return root.resolve("progress.png");
    }

    public Path plans() {
        return root.resolve("plans.json");
    }

    public Path datasetJson() {
        return root.resolve("dataset.json");
    }

    public Path validation() {
        return root.resolve("validation");
    }
}
