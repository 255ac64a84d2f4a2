package org.backsplit.infer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiHeader;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.Preprocessor;
import org.backsplit.io.Npy;
import org.backsplit.tensor.Shape;
import org.backsplit.util.Progress;

/**
 * One raw case in, one segmentation in the case's own grid out: read the channel images, preprocess them as the plan
 * says, slide the network over them, map the logits back (undo resampling and cropping), argmax, and write the classes
 * as dataset label values. Shared by `predict`, a training run's validation and the demo.
 *
 * @param mirrorAxes test-time mirroring along these axes (bits x 1, y 2, z 4; 0 for none)
 * @param toDatasetValue training class -> the label value written (0 for classes not wanted in the output)
 * @param postprocessing applied to the label map written
 * @param axisOrder the order the model sees the image's axes in (nnU-Net's transpose_forward)
 */
public record CasePredictor(
        TilePredictor net,
        Plan plan,
        int[] tile,
        double step,
        int mirrorAxes,
        int[] toDatasetValue,
        Postprocessing postprocessing,
        AxisOrder axisOrder) {

    /** A predictor for a model that sees the image's axes as they are (every model of ours). */
    public CasePredictor(
            TilePredictor net,
            Plan plan,
            int[] tile,
            double step,
            int mirrorAxes,
            int[] toDatasetValue,
            Postprocessing postprocessing) {
        this(net, plan, tile, step, mirrorAxes, toDatasetValue, postprocessing, AxisOrder.IDENTITY);
    }

    public CasePredictor {
        if (toDatasetValue.length != net.classes()) {
            throw new IllegalArgumentException("the network predicts " + net.classes()
                    + " classes, the label mapping has " + toDatasetValue.length);
        }
    }

    /** Segments the case whose channels are `images` (one file each) and writes `out` in the first image's geometry. */
    public void predict(List<Path> images, Path out) throws IOException {
        predict(images, null, out, null);
    }

    /** Told of each case predictFolder has written, with the case as the network saw it. */
    @FunctionalInterface
    public interface CaseDone {
        CaseDone NONE = (c, prediction, prepared) -> {};

        void done(NnUNetDataset.Case c, Path prediction, Preprocessor.Prepared prepared) throws IOException;
    }

    /**
     * Segments every case into `folder` as CASE + fileEnding (and CASE.npy, the probabilities, when asked), with a
     * progress bar named `task`: the one loop behind `predict`, a run's validation and the demo. `labelOf` names a
     * case's label file to preprocess alongside (null for none). Returns the written files in case order.
     */
    public List<Path> predictFolder(
            String task,
            List<NnUNetDataset.Case> cases,
            Path folder,
            String fileEnding,
            boolean probabilities,
            Function<NnUNetDataset.Case, Path> labelOf,
            CaseDone done)
            throws IOException {
        Files.createDirectories(folder);
        List<Path> written = new ArrayList<>();
        try (Progress bar = Progress.bar(task, cases.size())) {
            for (NnUNetDataset.Case c : cases) {
                Path out = folder.resolve(c.id() + fileEnding);
                Preprocessor.Prepared p = predict(
                        c.images(), labelOf.apply(c), out, probabilities ? folder.resolve(c.id() + ".npy") : null);
                written.add(out);
                done.done(c, out, p);
                bar.step();
            }
        }
        return written;
    }

    /**
     * The same, and when `probabilities` is not null the softmax of every class the network predicts, in the image's
     * grid, as a float32 .npy of shape [classes, z, y, x] (training class order; before postprocessing). Returns the
     * case as the network saw it (preprocessed), with its labels preprocessed alike when `label` names a label file,
     * for whoever measures more on it (the Fisher diagnostic) without preprocessing again.
     */
    public Preprocessor.Prepared predict(List<Path> images, Path label, Path out, Path probabilities)
            throws IOException {
        NiftiHeader header = Nifti.readHeader(images.get(0)); // sizes checked before any voxel is read
        InferenceSize.check(
                images.get(0).toString(),
                axisOrder.dims(header.dims()),
                axisOrder.spacing(header.spacing()),
                plan,
                tile,
                net.classes(),
                probabilities != null);
        List<NiftiImage> read = Nifti.readChannels(images);
        NiftiImage first = read.get(0);
        int[] dims = {first.dims()[0], first.dims()[1], first.dims()[2]};
        float[][] channels = new float[read.size()][];
        for (int ch = 0; ch < channels.length; ch++) channels[ch] = read.get(ch).data();
        float[] labels = null;
        if (label != null) {
            NiftiImage l = Nifti.read(label);
            if (!Arrays.equals(l.dims(), first.dims())) {
                throw new IllegalArgumentException(
                        label + ": its grid " + Arrays.toString(l.dims()) + " differs from " + images.get(0) + "'s");
            }
            labels = l.data();
        }
        Result r = predict(channels, labels, dims, first.spacing(), probabilities != null);
        Nifti.write(out, first, r.labels(), NiftiDatatype.UINT8);
        if (probabilities != null) {
            int k = r.probabilities().length, v = r.labels().length;
            float[] all = new float[k * v];
            for (int c = 0; c < k; c++) System.arraycopy(r.probabilities()[c], 0, all, c * v, v);
            Npy.write(probabilities, Shape.zyxOfXyz(dims, k), all); // atomic itself
        }
        return r.prepared();
    }

    /**
     * One case in memory: its label values (dataset values, after postprocessing) and, when asked, the probability of
     * every class the network predicts (training class order, before postprocessing), both x fastest in the case's own
     * grid; and the case as the network saw it (preprocessed, in the model's axis order).
     */
    public record Result(float[] labels, float[][] probabilities, Preprocessor.Prepared prepared) {}

    /**
     * Segments a case held in memory: `channels` each x fastest over `dims` {x, y, z} with `spacing`; `labels` (or
     * null) are preprocessed alongside. What {@link #predict(List, Path, Path, Path)} writes for the same voxels,
     * exactly.
     */
    public Result predict(
            float[][] channels, float[] labels, int[] dims, double[] imageSpacing, boolean probabilities) {
        InferenceSize.check(
                "the case",
                axisOrder.dims(dims),
                axisOrder.spacing(imageSpacing),
                plan,
                tile,
                net.classes(),
                probabilities);
        channels = channels.clone();
        // everything between here and the results happens in the model's axis order
        int[] modelDims = axisOrder.dims(dims);
        double[] spacing = axisOrder.spacing(imageSpacing);
        for (int ch = 0; ch < channels.length; ch++) channels[ch] = axisOrder.forward(channels[ch], dims);
        if (labels != null) labels = axisOrder.forward(labels, dims);
        Preprocessor.Prepared p = Preprocessor.prepare(channels, labels, modelDims, spacing, plan);
        float[] logits = SlidingWindow.predict(net, p.channels(), p.dims(), tile, step, mirrorAxes);
        RevertPreprocessing.Reverted r = RevertPreprocessing.revert(
                logits,
                net.classes(),
                p.dims(),
                new RevertPreprocessing.Geometry(modelDims, p.cropBox(), spacing, plan.targetSpacingFor(spacing)));
        float[] seg = new float[r.segmentation().length];
        for (int i = 0; i < seg.length; i++) seg[i] = toDatasetValue[r.segmentation()[i]];
        seg = axisOrder.backward(seg, dims);
        postprocessing.apply(seg, dims);
        float[][] probs = null;
        if (probabilities) {
            probs = new float[r.probabilities().length][];
            for (int c = 0; c < probs.length; c++) probs[c] = axisOrder.backward(r.probabilities()[c], dims);
        }
        return new Result(seg, probs, p);
    }
}
