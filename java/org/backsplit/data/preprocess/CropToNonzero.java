package org.backsplit.data.preprocess;

import java.util.ArrayDeque;

/**
 * nnU-Net's crop_to_nonzero: the region where any channel is non-zero, holes filled (background not connected to the
 * border, 6-connected, as scipy's binary_fill_holes), its bounding box cut out of every channel and the label map, and
 * label-0 voxels outside the region marked -1 (nnU-Net's "outside" label). Volumes are x fastest with dims {nx, ny,
 * nz}.
 */
public final class CropToNonzero {
    private CropToNonzero() {}

    /** The cropped channels and labels, their dims, and the box [lo, hi) per axis in the original volume. */
    public record Cropped(float[][] channels, float[] labels, int[] dims, int[][] box) {}

    public static Cropped crop(float[][] channels, float[] labels, int[] dims) {
        int nx = dims[0], ny = dims[1], nz = dims[2], n = nx * ny * nz;
        boolean[] mask = new boolean[n];
        for (float[] ch : channels) for (int i = 0; i < n; i++) mask[i] |= ch[i] != 0;
        fillHoles(mask, nx, ny, nz);
        int[] lo = {nx, ny, nz}, hi = {0, 0, 0};
        for (int z = 0, i = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++, i++) {
                    if (!mask[i]) continue;
                    lo[0] = Math.min(lo[0], x);
                    lo[1] = Math.min(lo[1], y);
                    lo[2] = Math.min(lo[2], z);
                    hi[0] = Math.max(hi[0], x + 1);
                    hi[1] = Math.max(hi[1], y + 1);
                    hi[2] = Math.max(hi[2], z + 1);
                }
        if (hi[0] == 0) { // nothing non-zero: keep the whole volume
            lo = new int[] {0, 0, 0};
            hi = dims.clone();
        }
        int cx = hi[0] - lo[0], cy = hi[1] - lo[1], cz = hi[2] - lo[2];
        float[][] out = new float[channels.length][cx * cy * cz];
        float[] seg = labels == null ? null : new float[cx * cy * cz];
        for (int z = 0, o = 0; z < cz; z++)
            for (int y = 0; y < cy; y++)
                for (int x = 0; x < cx; x++, o++) {
                    int i = ((z + lo[2]) * ny + (y + lo[1])) * nx + (x + lo[0]);
                    for (int c = 0; c < channels.length; c++) out[c][o] = channels[c][i];
                    if (seg != null) seg[o] = labels[i] == 0 && !mask[i] ? -1 : labels[i];
                }
        return new Cropped(out, seg, new int[] {cx, cy, cz}, new int[][] {{lo[0], hi[0]}, {lo[1], hi[1]}, {lo[2], hi[2]}
        });
    }

    /** Sets every background voxel that the border cannot reach through background (6-connected). */
    static void fillHoles(boolean[] mask, int nx, int ny, int nz) {
        boolean[] outside = new boolean[mask.length];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int z = 0, i = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++, i++) {
                    boolean border = x == 0 || y == 0 || z == 0 || x == nx - 1 || y == ny - 1 || z == nz - 1;
                    if (border && !mask[i]) {
                        outside[i] = true;
                        queue.add(i);
                    }
                }
        int[] step = {1, -1, nx, -nx, nx * ny, -nx * ny};
        while (!queue.isEmpty()) {
            int i = queue.poll();
            int x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);
            for (int s = 0; s < 6; s++) {
                boolean inside = switch (s) {
                    case 0 -> x + 1 < nx;
                    case 1 -> x > 0;
                    case 2 -> y + 1 < ny;
                    case 3 -> y > 0;
                    case 4 -> z + 1 < nz;
                    default -> z > 0;
                };
                int j = i + step[s];
                if (inside && !mask[j] && !outside[j]) {
                    outside[j] = true;
                    queue.add(j);
                }
            }
        }
        for (int i = 0; i < mask.length; i++) mask[i] |= !outside[i];
    }
}
