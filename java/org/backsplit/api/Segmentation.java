package org.backsplit.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;

/**
 * A segmented volume: one label value per voxel, x fastest over dims {nx, ny, nz} as the input {@link Volume}, the
 * values as the model's dataset.json numbers its labels (a BackSplit model's auxiliary classes are 0 unless the
 * Segmenter was asked to keep them); and, when asked, the probability of every class the network predicts, one array
 * per class in {@link #classNames()} order (null otherwise).
 */
public record Segmentation(
        int[] dims,
        int[] labels,
        float[][] probabilities,
        List<String> classNames,
        double[] spacing,
        double[][] affine) {

    /**
     * Writes the labels as a uint8 NIfTI file with the volume's affine (or its spacing's diagonal when it had none).
     */
    public void write(Path file) throws IOException {
        float[] values = new float[labels.length];
        for (int i = 0; i < values.length; i++) values[i] = labels[i];
        NiftiGeometry g = affine == null ? NiftiGeometry.ofSpacing(spacing) : NiftiGeometry.ofAffine(affine, spacing);
        Nifti.write(file, new NiftiImage(dims, NiftiDatatype.UINT8, values, g), values, NiftiDatatype.UINT8);
    }

    /** How many voxels carry `label`. */
    public long count(int label) {
        long n = 0;
        for (int v : labels) if (v == label) n++;
        return n;
    }
}
