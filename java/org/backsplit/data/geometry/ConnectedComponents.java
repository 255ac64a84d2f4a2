package org.backsplit.data.geometry;

/**
 * Labels the connected components of a binary mask with 26-connectivity (voxels touching by a face, an edge or a corner
 * are one object), in one pass with union-find over the 13 neighbours already visited.
 */
public final class ConnectedComponents {
    private ConnectedComponents() {}

    /** Component labels 1..count (0 outside the mask), numbered in order of their first voxel (x fastest). */
    public record Labels(int[] labels, int count) {
        /** Voxels per component, index 0 unused. */
        public long[] sizes() {
            long[] s = new long[count + 1];
            for (int l : labels) if (l > 0) s[l]++;
            return s;
        }
    }

    /** @param dims {nx, ny, nz}, x fastest */
    public static Labels label(boolean[] mask, int[] dims) {
        int nx = dims[0], ny = dims[1], nz = dims[2];
        if ((long) nx * ny * nz != mask.length)
            throw new IllegalArgumentException("mask has " + mask.length + " voxels, dims say " + (long) nx * ny * nz);
        int[] parent = new int[mask.length];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    int i = (z * ny + y) * nx + x;
                    if (!mask[i]) continue;
                    parent[i] = i;
                    // the 13 neighbours that come earlier in scan order: all of the previous slice's 3x3, the previous
                    // row's 3, x-1
                    for (int dz = -1; dz <= 0; dz++)
                        for (int dy = -1; dy <= 1; dy++)
                            for (int dx = -1; dx <= 1; dx++) {
                                if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0))) continue;
                                int xx = x + dx, yy = y + dy, zz = z + dz;
                                if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny) continue;
                                int j = (zz * ny + yy) * nx + xx;
                                if (mask[j]) union(parent, i, j);
                            }
                }
        int[] labels = new int[mask.length], rootLabel = new int[mask.length];
        int count = 0;
        for (int i = 0; i < mask.length; i++) {
            if (!mask[i]) continue;
            int r = find(parent, i);
            if (rootLabel[r] == 0) rootLabel[r] = ++count;
            labels[i] = rootLabel[r];
        }
        return new Labels(labels, count);
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]]; // path halving keeps the trees shallow
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra != rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
}
