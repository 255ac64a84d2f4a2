package org.backsplit.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;

/**
 * An image in memory: one array per channel, each x fastest (index = (z * ny + y) * nx + x), dims {nx, ny, nz}, the
 * voxel spacing {x, y, z} in mm, and the voxel-to-world affine (4 x 4, row-major; null when unknown). Channels are in
 * the order of the model's dataset.json (channel 0 first). Prediction uses the spacing; the affine travels along so the
 * segmentation can be written in the same place.
 */
public record Volume(float[][] channels, int[] dims, double[] spacing, double[][] affine) {

    public Volume {
        if (dims.length != 3) throw new IllegalArgumentException("a volume has 3 dims {x, y, z}, not " + dims.length);
        if (spacing.length != 3) throw new IllegalArgumentException("spacing needs 3 values {x, y, z}");
        if (channels.length == 0) throw new IllegalArgumentException("a volume needs at least one channel");
        long voxels = (long) dims[0] * dims[1] * dims[2];
        for (int c = 0; c < channels.length; c++) {
            if (channels[c].length != voxels)
                throw new IllegalArgumentException("channel " + c + " has " + channels[c].length + " values, dims "
                        + Arrays.toString(dims) + " need " + voxels);
        }
        for (double s : spacing) if (!(s > 0)) throw new IllegalArgumentException("spacing must be positive");
        if (affine != null && (affine.length != 4 || affine[0].length != 4))
            throw new IllegalArgumentException("the affine is 4 x 4");
        channels = channels.clone();
        dims = dims.clone();
        spacing = spacing.clone();
    }

    /** A single-channel volume without an affine (the spacing's diagonal is assumed where one is needed). */
    public static Volume of(float[] voxels, int[] dims, double[] spacing) {
        return new Volume(new float[][] {voxels}, dims, spacing, null);
    }

    /** Reads one NIfTI file per channel (.nii or .nii.gz), all on the same grid. */
    public static Volume read(List<Path> channelFiles) throws IOException {
        List<NiftiImage> images = Nifti.readChannels(channelFiles);
        float[][] channels = new float[images.size()][];
        for (int c = 0; c < channels.length; c++) channels[c] = images.get(c).data();
        NiftiImage first = images.get(0);
        int[] d = first.dims();
        return new Volume(channels, new int[] {d[0], d[1], d.length > 2 ? d[2] : 1}, first.spacing(), first.affine());
    }

    public long voxels() {
        return (long) dims[0] * dims[1] * dims[2];
    }
}
