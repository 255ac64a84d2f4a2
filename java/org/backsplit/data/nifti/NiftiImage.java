package org.backsplit.data.nifti;

import java.util.Arrays;

/**
 * A NIfTI image: its voxel values as float (scl_slope and scl_inter applied, as nibabel's get_fdata does), x fastest,
 * so the array is a C-order [.., z, y, x] volume; and its geometry.
 *
 * @param dims the sizes along x, y, z (and t, ...), as dim[1..dim[0]]
 * @param datatype the stored datatype
 * @param data voxel values, x fastest
 * @param header everything about geometry that a written copy keeps
 */
public record NiftiImage(int[] dims, NiftiDatatype datatype, float[] data, NiftiGeometry header) {

    public NiftiImage {
        dims = dims.clone();
        long n = 1;
        for (int d : dims) n *= d;
        if (n != data.length)
            throw new IllegalArgumentException(data.length + " values for dims " + Arrays.toString(dims));
    }

    /** Voxel spacing along x, y, z in the header's units (nibabel's get_zooms()[:3]). */
    public double[] spacing() {
        return header.spacing(Math.min(3, dims.length));
    }

    /**
     * The voxel-to-world affine, row-major 4x4: the sform when its code is set, else the qform, else the base affine.
     */
    public double[][] affine() {
        return header.affine(dims);
    }

    public long voxels() {
        return data.length;
    }
}
