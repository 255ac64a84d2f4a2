package org.backsplit.data.patch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backsplit.util.Rng;

/**
 * nnU-Net's patch sampling: in a batch, the last third of the samples (sample j is forced unless j < round(batch * (1 -
 * 0.33))) is centred on a random voxel of a random foreground class present in the case; the others lie anywhere,
 * allowed to reach half a patch beyond the image when the patch is larger than the image. Images are padded with 0,
 * labels with -1 (nnU-Net's "outside"). Under BackSplit the foreground classes are the targets by default: choosing
 * uniformly among all classes present would centre lesion patches only 1/K as often.
 */
public final class PatchSampler {
    public static final double OVERSAMPLE_FOREGROUND = 0.33;

    private final int[] patch;

    public PatchSampler(int[] patch) {
        this.patch = patch.clone();
    }

    /** Whether sample j of a batch is centred on foreground (Python's round: half to even). */
    public static boolean forceForeground(int j, int batchSize) {
        return j >= Math.rint(batchSize * (1 - OVERSAMPLE_FOREGROUND));
    }

    /** A patch's lower corner (may be negative or run past the image). */
    public int[] corner(PreparedCase c, boolean forceForeground, Rng rng) {
        int[] dims = c.dims();
        int[] lo = new int[3], hi = new int[3];
        for (int a = 0; a < 3; a++) {
            int pad = Math.max(0, patch[a] - dims[a]);
            lo[a] = -(pad / 2);
            hi[a] = dims[a] + pad / 2 + pad % 2 - patch[a];
        }
        if (forceForeground) {
            List<int[]> present = new ArrayList<>();
            for (Map.Entry<Integer, int[]> e : c.classLocations().entrySet())
                if (e.getValue().length > 0) present.add(e.getValue());
            if (!present.isEmpty()) {
                int[] where = present.get(rng.nextInt(present.size()));
                int v = where[rng.nextInt(where.length)];
                int[] pos = {v % dims[0], (v / dims[0]) % dims[1], v / (dims[0] * dims[1])};
                int[] corner = new int[3];
                for (int a = 0; a < 3; a++) corner[a] = Math.max(lo[a], pos[a] - patch[a] / 2);
                return corner;
            }
        }
        int[] corner = new int[3];
        for (int a = 0; a < 3; a++) corner[a] = lo[a] + rng.nextInt(hi[a] - lo[a] + 1);
        return corner;
    }

    /** Channels and labels of the patch at `corner`; outside the image 0 and -1. */
    public float[][] extract(PreparedCase c, int[] corner) {
        int[] d = c.dims();
        int n = patch[0] * patch[1] * patch[2];
        float[][] out = new float[c.channels().length + 1][n];
        java.util.Arrays.fill(out[c.channels().length], -1f);
        for (int z = 0; z < patch[2]; z++) {
            int sz = corner[2] + z;
            if (sz < 0 || sz >= d[2]) continue;
            for (int y = 0; y < patch[1]; y++) {
                int sy = corner[1] + y;
                if (sy < 0 || sy >= d[1]) continue;
                for (int x = 0; x < patch[0]; x++) {
                    int sx = corner[0] + x;
                    if (sx < 0 || sx >= d[0]) continue;
                    int src = (sz * d[1] + sy) * d[0] + sx, dst = (z * patch[1] + y) * patch[0] + x;
                    for (int ch = 0; ch < c.channels().length; ch++) out[ch][dst] = c.channels()[ch][src];
                    out[c.channels().length][dst] = c.labels()[src];
                }
            }
        }
        return out;
    }
}
