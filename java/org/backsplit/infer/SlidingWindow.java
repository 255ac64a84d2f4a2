package org.backsplit.infer;

import java.util.ArrayList;
import java.util.List;

/**
 * nnU-Net's sliding-window prediction: tiles of the patch size overlapping by half (step 0.5 of the tile), each tile's
 * logits weighted by a Gaussian (sigma = tile/8 per axis, 1 at the centre) so tile borders count less, optional
 * test-time mirroring (the tile and its 7 mirror images along every combination of axes, logits averaged; a one-slice
 * tile of the 2D U-Net only its 3 in-plane ones, as nnU-Net's 2d configuration), and an image smaller than the tile
 * padded with zeros around it and cropped back.
 */
public final class SlidingWindow {
    public static final double DEFAULT_STEP = 0.5;

    /** Mirroring along every axis (bits x 1, y 2, z 4); 0 is no mirroring. */
    public static final int ALL_AXES = 7;

    private SlidingWindow() {}

    /**
     * @param channels image channels, each x fastest over dims {nx, ny, nz}
     * @param tile tile size {x, y, z}
     * @return logits [voxel][K] channels-last over the image
     */
    public static float[] predict(
            TilePredictor net, float[][] channels, int[] dims, int[] tile, double step, boolean mirror) {
        return predict(net, channels, dims, tile, step, mirror ? ALL_AXES : 0);
    }

    /**
     * The same, mirroring along the axes in `mirrorAxes` (bits x 1, y 2, z 4: every combination of them, as nnU-Net
     * does with a model's inference_allowed_mirroring_axes).
     */
    public static float[] predict(
            TilePredictor net, float[][] channels, int[] dims, int[] tile, double step, int mirrorAxes) {
        int c = channels.length, k = net.classes();
        int[] pad = new int[3], padded = new int[3];
        for (int a = 0; a < 3; a++) {
            pad[a] = Math.max(0, tile[a] - dims[a]) / 2;
            padded[a] = Math.max(dims[a], tile[a]);
        }
        float[] gaussian = gaussian(tile);
        int tv = tile[0] * tile[1] * tile[2];
        long pv = (long) padded[0] * padded[1] * padded[2];
        float[] sum = new float[Math.toIntExact(pv * k)], weight = new float[Math.toIntExact(pv)];
        for (int[] start : tileStarts(padded, tile, step)) {
            float[] in = new float[tv * c]; // zero where the tile runs into the padding
            for (int z = 0; z < tile[2]; z++)
                for (int y = 0; y < tile[1]; y++)
                    for (int x = 0; x < tile[0]; x++) {
                        int sx = start[0] + x - pad[0], sy = start[1] + y - pad[1], sz = start[2] + z - pad[2];
                        if (sx < 0 || sy < 0 || sz < 0 || sx >= dims[0] || sy >= dims[1] || sz >= dims[2]) continue;
                        int src = (sz * dims[1] + sy) * dims[0] + sx, dst = (z * tile[1] + y) * tile[0] + x;
                        for (int ch = 0; ch < c; ch++) in[dst * c + ch] = channels[ch][src];
                    }
            float[] logits = mirrorAxes != 0 ? mirrored(net, in, tile, c, mirrorAxes) : net.predict(in, tile);
            for (int z = 0; z < tile[2]; z++)
                for (int y = 0; y < tile[1]; y++)
                    for (int x = 0; x < tile[0]; x++) {
                        int t = (z * tile[1] + y) * tile[0] + x;
                        int p = ((start[2] + z) * padded[1] + start[1] + y) * padded[0] + start[0] + x;
                        float g = gaussian[t];
                        weight[p] += g;
                        for (int j = 0; j < k; j++) sum[p * k + j] += g * logits[t * k + j];
                    }
        }
        float[] out = new float[dims[0] * dims[1] * dims[2] * k];
        for (int z = 0; z < dims[2]; z++)
            for (int y = 0; y < dims[1]; y++)
                for (int x = 0; x < dims[0]; x++) {
                    int p = ((z + pad[2]) * padded[1] + y + pad[1]) * padded[0] + x + pad[0],
                            o = (z * dims[1] + y) * dims[0] + x;
                    for (int j = 0; j < k; j++) out[o * k + j] = sum[p * k + j] / weight[p];
                }
        return out;
    }

    /**
     * The mean of the logits of the tile and of its mirror images along each non-empty set of axes (axes of extent 1,
     * where mirroring changes nothing, left out).
     */
    static float[] mirrored(TilePredictor net, float[] in, int[] tile, int c, int mirrorAxes) {
        int k = net.classes();
        int flippable = mirrorAxes & ((tile[0] > 1 ? 1 : 0) | (tile[1] > 1 ? 2 : 0) | (tile[2] > 1 ? 4 : 0));
        List<Integer> flips = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        inputs.add(in);
        for (int axes = 1; axes < 8; axes++) {
            if ((axes & ~flippable) != 0) continue;
            flips.add(axes);
            inputs.add(flip(in, tile, c, axes));
        }
        List<float[]> logits = net.predictAll(inputs, tile); // one batch where the network can
        float[] acc = logits.get(0);
        for (int m = 0; m < flips.size(); m++) {
            float[] back = flip(logits.get(m + 1), tile, k, flips.get(m));
            for (int i = 0; i < acc.length; i++) acc[i] += back[i];
        }
        for (int i = 0; i < acc.length; i++) acc[i] /= inputs.size();
        return acc;
    }

    /** Mirrors a channels-last tile along x (bit 1), y (bit 2) and z (bit 4) of `axes`. */
    static float[] flip(float[] a, int[] tile, int c, int axes) {
        float[] out = new float[a.length];
        for (int z = 0; z < tile[2]; z++)
            for (int y = 0; y < tile[1]; y++)
                for (int x = 0; x < tile[0]; x++) {
                    int fx = (axes & 1) != 0 ? tile[0] - 1 - x : x,
                            fy = (axes & 2) != 0 ? tile[1] - 1 - y : y,
                            fz = (axes & 4) != 0 ? tile[2] - 1 - z : z;
                    System.arraycopy(
                            a, ((fz * tile[1] + fy) * tile[0] + fx) * c, out, ((z * tile[1] + y) * tile[0] + x) * c, c);
                }
        return out;
    }

    /**
     * nnU-Net's tile positions per axis: the fewest tiles whose spacing is at most step x tile, spread evenly from 0 to
     * size - tile (rounded half to even, as Python's round).
     */
    static int[] starts(int size, int tile, double step) {
        if (size < tile) throw new IllegalArgumentException("image size " + size + " < tile " + tile + ": pad first");
        if (!(step > 0 && step <= 1)) throw new IllegalArgumentException("tile step must be in (0, 1], not " + step);
        // a step below one voxel (a one-slice tile of the 2D U-Net) would only repeat positions: each once, as
        // nnU-Net's 2d
        int n = (int) Math.ceil((size - tile) / Math.max(1, tile * step)) + 1;
        int[] s = new int[n];
        double actual = n > 1 ? (double) (size - tile) / (n - 1) : 0;
        for (int i = 0; i < n; i++) s[i] = (int) Math.rint(actual * i);
        return s;
    }

    static List<int[]> tileStarts(int[] size, int[] tile, double step) {
        int[] sx = starts(size[0], tile[0], step),
                sy = starts(size[1], tile[1], step),
                sz = starts(size[2], tile[2], step);
        List<int[]> out = new ArrayList<>();
        for (int z : sz) for (int y : sy) for (int x : sx) out.add(new int[] {x, y, z});
        return out;
    }

    /**
     * The importance map: scipy's gaussian_filter of a unit impulse at tile/2 with sigma tile/8, scaled to 1 at the
     * centre. Its truncation radius (4 sigma) always reaches the tile border, so it is the sampled Gaussian itself,
     * never 0.
     */
    static float[] gaussian(int[] tile) {
        double[][] axis = new double[3][];
        for (int a = 0; a < 3; a++) {
            axis[a] = new double[tile[a]];
            double sigma = tile[a] / 8.0;
            int centre = tile[a] / 2;
            for (int i = 0; i < tile[a]; i++)
                axis[a][i] = Math.exp(-0.5 * (i - centre) * (i - centre) / (sigma * sigma));
        }
        float[] g = new float[tile[0] * tile[1] * tile[2]];
        for (int z = 0; z < tile[2]; z++)
            for (int y = 0; y < tile[1]; y++)
                for (int x = 0; x < tile[0]; x++) {
                    g[(z * tile[1] + y) * tile[0] + x] = (float) (axis[0][x] * axis[1][y] * axis[2][z]);
                }
        return g;
    }
}
