package org.backsplit.data.plan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.preprocess.CropToNonzero;
import org.backsplit.data.preprocess.IntensityStatistics;
import org.backsplit.util.Rng;

/**
 * What nnU-Net's planner needs to know about a dataset: every case's spacing and shape after cropping (x, y, z), the
 * median fraction of voxels kept by cropping, and per channel the foreground intensity statistics (up to 10,000
 * foreground voxels per case, a fixed-seed sample, as nnU-Net samples them).
 */
public record Fingerprint(
        List<double[]> spacings,
        List<int[]> shapesAfterCrop,
        double medianRelativeSizeAfterCrop,
        List<IntensityStatistics> foregroundIntensities) {
    static final int SAMPLES_PER_CASE = 10_000;

    public static Fingerprint of(NnUNetDataset dataset) throws IOException {
        List<double[]> spacings = new ArrayList<>();
        List<int[]> shapes = new ArrayList<>();
        List<Double> relative = new ArrayList<>();
        int channels = dataset.json().channelNames().size();
        List<List<Float>> fg = new ArrayList<>();
        for (int c = 0; c < channels; c++) fg.add(new ArrayList<>());
        for (NnUNetDataset.Case c : dataset.training()) {
            NiftiImage label = Nifti.read(c.label());
            float[][] images = new float[channels][];
            for (int ch = 0; ch < channels; ch++)
                images[ch] = Nifti.read(c.images().get(ch)).data();
            int[] dims = {label.dims()[0], label.dims()[1], label.dims()[2]};
            CropToNonzero.Cropped cropped = CropToNonzero.crop(images, label.data(), dims);
            spacings.add(label.spacing());
            shapes.add(cropped.dims());
            relative.add((double) cropped.labels().length / label.data().length);
            List<Integer> where = new ArrayList<>();
            for (int i = 0; i < label.data().length; i++) if (label.data()[i] > 0) where.add(i);
            Rng rng = new Rng(1234 + c.id().hashCode());
            int take = Math.min(SAMPLES_PER_CASE, where.size());
            for (int k = 0; k < take; k++) {
                int pick = where.size() > SAMPLES_PER_CASE ? where.get(rng.nextInt(where.size())) : where.get(k);
                for (int ch = 0; ch < channels; ch++) fg.get(ch).add(images[ch][pick]);
            }
        }
        List<IntensityStatistics> stats = new ArrayList<>();
        for (List<Float> values : fg) {
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) v[i] = values.get(i);
            stats.add(v.length == 0 ? null : IntensityStatistics.of(v));
        }
        relative.sort(null);
        double median = relative.size() % 2 == 1
                ? relative.get(relative.size() / 2)
                : (relative.get(relative.size() / 2 - 1) + relative.get(relative.size() / 2)) / 2;
        return new Fingerprint(spacings, shapes, median, stats);
    }
}
