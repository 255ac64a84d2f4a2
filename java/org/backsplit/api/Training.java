package org.backsplit.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.backend.Backend;
import org.backsplit.backend.Precision;
import org.backsplit.backend.device.Devices;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.data.plan.Planning;
import org.backsplit.run.DatasetTraining;
import org.backsplit.run.RunFolder;
import org.backsplit.run.RunSettings;

/**
 * Trains one fold of a model on a dataset in nnU-Net's raw layout, as `backsplit plan` then `backsplit train` do: plans
 * and preprocesses the dataset when its preprocessed folder has no plan yet, then trains (or continues a run that was
 * stopped) and returns the model folder, ready for {@link Segmenter}. Progress goes to a {@link TrainingListener}
 * instead of terminal bars.
 *
 * <pre>{@code
 * RunSettings settings = RunSettings.builder(TrainingMode.BACKSPLIT, List.of("lesion")).epochs(100).build();
 * Path model = Training.builder(rawDataset, preprocessed, results, settings).listener(System.out::println).run();
 * }</pre>
 *
 * <p>One training per run folder at a time: a second one, in this process or another, is refused naming the first.
 */
public final class Training {
    private Training() {}

    public static Builder builder(Path rawDataset, Path preprocessed, Path results, RunSettings settings) {
        return new Builder(rawDataset, preprocessed, results, settings);
    }

    /** The choices of a training; each but the four folders and settings has a default. */
    public static final class Builder {
        private final Path raw, preprocessed, results;
        private final RunSettings settings;
        private String device = "auto";
        private Integer threads;
        private Precision precision = Precision.FP32;
        private int loaderThreads = 2;
        private TrainingListener listener = TrainingListener.SILENT;

        private Builder(Path raw, Path preprocessed, Path results, RunSettings settings) {
            this.raw = raw;
            this.preprocessed = preprocessed;
            this.results = results;
            this.settings = settings;
        }

        /** "auto" (the default), "cpu" or "cuda". */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        /** Background threads making batches (default 2). */
        public Builder loaderThreads(int n) {
            this.loaderThreads = n;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            this.listener = listener;
            return this;
        }

        /** Plans if needed, trains or continues, and returns the model folder (RESULTS/DATASET/CONFIGURATION). */
        public Path run() throws IOException {
            NnUNetDataset data = NnUNetDataset.open(raw);
            if (!Files.isRegularFile(preprocessed.resolve(PlanFiles.PLANS))) {
                listener.message("planning and preprocessing " + raw.getFileName() + " into " + preprocessed);
                Planning.planAndPreprocess(data, preprocessed, null, null);
            }
            RunFolder folder = RunFolder.of(results, raw.getFileName().toString(), settings);
            Backend backend = Devices.open(device, threads, precision, System.err);
            try {
                new DatasetTraining(data, preprocessed, folder, settings, backend, loaderThreads, listener::message)
                        .onEpoch(listener::epoch)
                        .startOrContinue();
            } finally {
                backend.close();
            }
            return folder.root().getParent();
        }
    }
}
