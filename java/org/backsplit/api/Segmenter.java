package org.backsplit.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.Precision;
import org.backsplit.backend.device.Devices;
import org.backsplit.infer.CasePredictor;
import org.backsplit.infer.Postprocessing;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.model.TrainedModel;

/**
 * Segments volumes with a trained model: a model folder of ours (RESULTS/DATASET/CONFIGURATION, as `train` leaves it)
 * or an nnU-Net v2 results folder (TRAINER__PLANS__CONFIGURATION). It does what `backsplit predict` does, voxel for
 * voxel: the model's preprocessing, sliding window with test-time mirroring, the folds' ensemble, the result in the
 * volume's own grid.
 *
 * <pre>{@code
 * try (Segmenter segmenter = Segmenter.builder(modelFolder).device("cpu").build()) {
 *     Segmentation s = segmenter.segment(Volume.of(voxels, dims, spacing));
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A Segmenter may be shared: {@link #segment} is safe to call from several threads at once, which
 * take turns (a network's layers hold their activations while they compute). For parallel throughput open one Segmenter
 * per thread; each has its own networks and backend. Close it to release its threads or GPU context.
 */
public final class Segmenter implements AutoCloseable {
    private final TrainedModel model;
    private final CasePredictor predictor;
    private final boolean probabilities;
    private final Backend backend;
    private boolean closed;

    private Segmenter(TrainedModel model, CasePredictor predictor, boolean probabilities, Backend backend) {
        this.model = model;
        this.predictor = predictor;
        this.probabilities = probabilities;
        this.backend = backend;
    }

    /** Starts configuring a Segmenter for the model in `modelFolder`. */
    public static Builder builder(Path modelFolder) {
        return new Builder(modelFolder);
    }

    /** A Segmenter with the defaults: every fold, checkpoint_final, the GPU when there is one, mirroring on. */
    public static Segmenter open(Path modelFolder) throws IOException {
        return builder(modelFolder).build();
    }

    /** Segments a volume held in memory. */
    public synchronized Segmentation segment(Volume volume) {
        if (closed) throw new IllegalStateException("this Segmenter is closed");
        int channels = model.dataset().channelNames().size();
        if (volume.channels().length != channels)
            throw new IllegalArgumentException("the model takes " + channels + " channels "
                    + model.dataset().channelNames().values() + ", the volume has " + volume.channels().length);
        CasePredictor.Result r =
                predictor.predict(volume.channels(), null, volume.dims(), volume.spacing(), probabilities);
        int[] labels = new int[r.labels().length];
        for (int i = 0; i < labels.length; i++) labels[i] = (int) r.labels()[i];
        return new Segmentation(
                volume.dims(), labels, r.probabilities(), classNames(), volume.spacing(), volume.affine());
    }

    /**
     * Segments one case given as NIfTI files (one per channel) and writes the labels to `output` (a .nii.gz in the
     * first file's geometry; with probabilities on, also OUTPUT's name + .npy as `predict --save-probabilities`).
     */
    public synchronized void segmentFiles(List<Path> channelFiles, Path output) throws IOException {
        if (closed) throw new IllegalStateException("this Segmenter is closed");
        Path npy = null;
        if (probabilities) {
            String name = output.getFileName().toString().replaceFirst("\\.nii(\\.gz)?$", "");
            npy = output.resolveSibling(name + ".npy");
        }
        predictor.predict(channelFiles, null, output, npy);
    }

    /** The classes the network predicts, in output order (what {@link Segmentation#probabilities()} is indexed by). */
    public List<String> classNames() {
        return model.outputNames();
    }

    /** Where the model came from: its folder, and whether it is an nnU-Net model. */
    public TrainedModel model() {
        return model;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        backend.close();
    }

    /** The choices a Segmenter is opened with; each has a default. */
    public static final class Builder {
        private final Path folder;
        private String device = "auto";
        private Integer threads;
        private Precision precision = Precision.FP32;
        private final List<String> folds = new ArrayList<>();
        private String checkpoint = TrainedModel.FINAL;
        private boolean mirroring = true;
        private double step = SlidingWindow.DEFAULT_STEP;
        private boolean keepAuxiliary;
        private boolean probabilities;
        private Postprocessing postprocessing = Postprocessing.none();

        private Builder(Path folder) {
            this.folder = folder;
        }

        /** "auto" (the GPU when there is one; the default), "cpu" or "cuda". */
        public Builder device(String device) {
            this.device = device;
            return this;
        }

        /** CPU threads (default: all cores). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** The convolutions' arithmetic on the GPU (default fp32; tf32 and bf16 need CUDA). */
        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        /** The folds to ensemble, e.g. "0", "1" or "all" (default: every fold_X of the folder). */
        public Builder folds(String... folds) {
            this.folds.clear();
            this.folds.addAll(List.of(folds));
            return this;
        }

        /** checkpoint_final (the default) or checkpoint_best. */
        public Builder checkpoint(String name) {
            this.checkpoint = name;
            return this;
        }

        /** Test-time mirroring along the axes the model allows (default on; off is up to 8 times faster). */
        public Builder mirroring(boolean on) {
            this.mirroring = on;
            return this;
        }

        /** The sliding window's step as a fraction of the tile (default 0.5). */
        public Builder step(double step) {
            this.step = step;
            return this;
        }

        /** Also label a BackSplit model's auxiliary classes (default: the targets only). */
        public Builder keepAuxiliary(boolean keep) {
            this.keepAuxiliary = keep;
            return this;
        }

        /** Also return every class's probability (default off). */
        public Builder probabilities(boolean on) {
            this.probabilities = on;
            return this;
        }

        /** Keep only the largest component of the labels a postprocessing.json lists (as predict --postprocessing). */
        public Builder postprocessing(Path postprocessingJson) throws IOException {
            this.postprocessing = Postprocessing.read(postprocessingJson);
            return this;
        }

        /** Opens the backend and loads the model's networks. */
        public Segmenter build() throws IOException {
            Backend backend = Devices.open(device, threads, precision, System.err);
            try {
                TrainedModel model = TrainedModel.open(folder, folds, checkpoint, backend);
                return new Segmenter(
                        model, model.predictor(step, mirroring, keepAuxiliary, postprocessing), probabilities, backend);
            } catch (IOException | RuntimeException e) {
                backend.close();
                throw e;
            }
        }
    }
}
