package org.backsplit.run;

import java.nio.file.Path;

/**
 * The files of one run, laid out as nnU-Net's results folder: RESULTS/DATASET/CONFIGURATION/fold_k with the
 * checkpoints (latest, best, final), the training log, the progress chart, copies of the plan and
 * dataset.json, the validation predictions with their evaluation, and the postprocessing chosen on them
 * (postprocessing.json).
 */
public record RunFolder(Path root) {
    public static final String HISTORY = "history.json";

    /**
     * The class layout a checkpoint was trained with when it sits in a run folder (checkpoint_final, _best or
     * _latest beside run.json): exact for every mode and auxiliary subset. Empty for a checkpoint elsewhere.
     */
    public static java.util.Optional<org.backsplit.data.ClassMap> classesOf(Path checkpoint, org.backsplit.data.DatasetJson json) throws java.io.IOException {
        Path parent = checkpoint.toAbsolutePath().getParent();
        if (parent == null || !java.nio.file.Files.isRegularFile(parent.resolve("run.json"))) return java.util.Optional.empty();
        return java.util.Optional.of(DatasetTraining.readSettings(new RunFolder(parent)).classes(json));
    }

    public static RunFolder of(Path results, String dataset, RunSettings s) {
        return new RunFolder(results.resolve(dataset).resolve(s.configurationName()).resolve(s.foldName()));
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
