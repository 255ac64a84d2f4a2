package org.backsplit.data.nifti;

/**
 * What a NIfTI header says, without the voxels: dims, datatype, geometry, where the voxels start and their scaling.
 * Reading it touches only the first bytes of the file ({@link Nifti#readHeader}).
 */
public record NiftiHeader(
        int[] dims, NiftiDatatype datatype, NiftiGeometry geometry, long voxelOffset, double slope, double inter) {

    public NiftiHeader {
        dims = dims.clone();
    }

    /** Voxel spacing along x, y, z in the header's units (nibabel's get_zooms()[:3]). */
    public double[] spacing() {
        return geometry.spacing(Math.min(3, dims.length));
    }

    /** The voxel-to-world affine, as {@link NiftiImage#affine()}. */
    public double[][] affine() {
        return geometry.affine(dims);
    }

    /** The number of voxels the header promises (may exceed what one Java array holds). */
    public long voxels() {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }
}
