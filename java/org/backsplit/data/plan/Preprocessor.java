package org.backsplit.data.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.backsplit.data.ClassMap;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.data.preprocess.CropToNonzero;
import org.backsplit.data.preprocess.Normalization;
import org.backsplit.data.preprocess.Resampling;
import org.backsplit.io.FormatException;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.SafeTensors;
import org.backsplit.tensor.Shape;

/**
 * Preprocesses cases as nnU-Net does (crop to non-zero, normalise each channel, resample to the plan's spacing) into a
 * cache of one safetensors file per case: "data" [C, z, y, x], "seg" [z, y, x] (dataset label values, -1 outside the
 * crop), and metadata with what maps a prediction back (the original dims, the crop box, the original spacing) and the
 * plan it was made for. A case whose file was made for the same plan is not done again. Class mapping (BackSplit,
 * binary, virtual) happens when cases are loaded, so one cache serves every training mode.
 */
public final class Preprocessor {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Preprocessor() {}

    /** Writes the cache for every training case; returns how many cases were (re)computed. */
    public static int run(NnUNetDataset dataset, Plan plan, Path cache) throws IOException {
        Files.createDirectories(cache);
        String planKey = JSON.writeValueAsString(plan);
        int done = 0;
        try (org.backsplit.util.Progress bar =
                org.backsplit.util.Progress.bar("preprocess", dataset.training().size())) {
            for (NnUNetDataset.Case c : dataset.training()) {
                bar.step();
                Path file = cache.resolve(c.id() + ".safetensors");
                if (Files.exists(file)
                        && planKey.equals(SafeTensors.read(file).metadata().get("plan"))) continue;
                preprocessCase(c, plan, planKey, file);
                done++;
            }
        }
        return done;
    }

    private static void preprocessCase(NnUNetDataset.Case c, Plan plan, String planKey, Path file) throws IOException {
        NiftiImage label = Nifti.read(c.label());
        int[] dims = {label.dims()[0], label.dims()[1], label.dims()[2]};
        float[][] images = new float[c.images().size()][];
        for (int ch = 0; ch < images.length; ch++)
            images[ch] = Nifti.read(c.images().get(ch)).data();
        Prepared p = prepare(images, label.data(), dims, label.spacing(), plan);
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("original_dims", dims);
        props.put("crop_box", p.cropBox());
        props.put("original_spacing", p.originalSpacing());
        props.put("dims", p.dims());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("plan", planKey);
        meta.put("properties", JSON.writeValueAsString(props));
        int[] d = p.dims();
        int voxels = d[0] * d[1] * d[2];
        float[] data = new float[images.length * voxels]; // the cache holds channels back to back, [C, z, y, x]
        for (int ch = 0; ch < images.length; ch++) System.arraycopy(p.channels()[ch], 0, data, ch * voxels, voxels);
        SafeTensors.write(
                file,
                List.of(
                        new NamedTensor("data", Shape.zyxOfXyz(d, images.length), data),
                        new NamedTensor("seg", Shape.zyxOfXyz(d), p.seg())),
                meta);
    }

    /**
     * One case preprocessed in memory: the channels (each x fastest over dims), the labels (-1 outside the non-zero
     * region), and what maps a prediction back: the crop box [lo, hi) per axis and the spacing.
     */
    public record Prepared(float[][] channels, float[] seg, int[] dims, int[][] cropBox, double[] originalSpacing) {}

    private static float[][] splitChannels(float[] data, int channels, int voxels) {
        float[][] out = new float[channels][];
        for (int ch = 0; ch < channels; ch++)
            out[ch] = java.util.Arrays.copyOfRange(data, ch * voxels, (ch + 1) * voxels);
        return out;
    }

    /**
     * Crops, normalises and resamples one case to the plan. `labels` may be null for an image to predict: the crop and
     * the normalisation mask then come from the image alone.
     */
    public static Prepared prepare(float[][] images, float[] labels, int[] dims, double[] spacing, Plan plan) {
        float[] seg = labels != null ? labels : new float[images[0].length];
        CropToNonzero.Cropped cropped = CropToNonzero.crop(images, seg, dims);
        double[] target = plan.targetSpacingFor(spacing);
        int[] newDims = new int[3];
        for (int a = 0; a < 3; a++) // nnU-Net's compute_new_shape: Python's round (half to even), in its order
        newDims[a] = Math.max(1, (int) Math.rint(spacing[a] / target[a] * cropped.dims()[a]));
        float[][] channels = new float[images.length][];
        for (int ch = 0; ch < images.length; ch++) {
            Normalization norm = Normalization.of(
                    plan.normalization().get(ch),
                    plan.useMaskForNorm().get(ch),
                    plan.ctStatistics().get(ch));
            float[] normalised = norm.apply(cropped.channels()[ch], cropped.labels());
            channels[ch] = Resampling.image(normalised, cropped.dims(), newDims, spacing, target);
        }
        float[] newSeg = Resampling.labels(cropped.labels(), cropped.dims(), newDims, spacing, target);
        return new Prepared(channels, newSeg, newDims, cropped.box(), spacing.clone());
    }

    /**
     * The cached cases with training labels: mapped by `classes`, the cases in `withoutAuxiliary` marked partially
     * annotated; `foreground` are the classes patches are centred on (the targets by default).
     */
    public static List<PreparedCase> load(
            Path cache, List<String> ids, ClassMap classes, Set<String> withoutAuxiliary, int[] foreground)
            throws IOException {
        List<PreparedCase> out = new ArrayList<>();
        for (String id : ids) {
            Path file = cache.resolve(id + ".safetensors");
            if (!Files.exists(file)) throw new FormatException(file, "is missing: preprocess the dataset first");
            Map<String, NamedTensor> t = SafeTensors.read(file).tensors();
            NamedTensor data = t.get("data"), seg = t.get("seg");
            if (data == null || seg == null) throw new FormatException(file, "lacks 'data' or 'seg'");
            int c = data.shape().dim(0);
            int[] dims = data.shape().xyzOfLastThree();
            int voxels = dims[0] * dims[1] * dims[2];
            float[][] channels = splitChannels(data.data(), c, voxels);
            float[] labels = classes.remap(seg.data(), !withoutAuxiliary.contains(id));
            out.add(PreparedCase.of(id, channels, labels, dims, foreground));
        }
        return out;
    }
}
