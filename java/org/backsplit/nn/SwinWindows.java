package org.backsplit.nn;

import org.backsplit.backend.RowGather;
import org.backsplit.tensor.Shape;

/**
 * The windows of one Swin block over a [N, D, H, W, C] feature map, as MONAI's SwinTransformerBlock takes them: along
 * an axis no longer than the window the window shrinks to the axis and does not shift (get_window_size); the map is
 * padded at the far end to window multiples, rolled by -shift (torch.roll), cut into windows ([windows, 1, 1, tokens,
 * C], window-major per sample), and after attention put back, rolled by +shift and cropped. Shifted windows get
 * compute_mask's attention mask: -100 between tokens from different regions of the rolled map.
 */
public final class SwinWindows {
    private final int n;
    private final int[] size;
    private final int[] window;
    private final int[] shift;
    private final int[] padded;

    /** window: the configured window (MONAI's 7); shifted: the odd blocks of a stage (shift = window / 2). */
    public SwinWindows(int n, int[] size, int window, boolean shifted) {
        this.n = n;
        this.size = size.clone();
        this.window = new int[3];
        this.shift = new int[3];
        this.padded = new int[3];
        for (int a = 0; a < 3; a++) {
            boolean shrunk = size[a] <= window;
            this.window[a] = shrunk ? size[a] : window;
            this.shift[a] = shrunk || !shifted ? 0 : window / 2;
            this.padded[a] = (size[a] + this.window[a] - 1) / this.window[a] * this.window[a];
        }
    }

    public int tokens() {
        return window[0] * window[1] * window[2];
    }

    /** Windows per sample. */
    public int windowsPerSample() {
        return padded[0] / window[0] * (padded[1] / window[1]) * (padded[2] / window[2]);
    }

    public int windows() {
        return n * windowsPerSample();
    }

    public boolean shifted() {
        return shift[0] > 0 || shift[1] > 0 || shift[2] > 0;
    }

    public int[] window() {
        return window.clone();
    }

    public Shape mapShape(int channels) {
        return Shape.ndhwc(n, size[0], size[1], size[2], channels);
    }

    public Shape windowShape(int channels) {
        return Shape.ndhwc(windows(), 1, 1, tokens(), channels);
    }

    /**
     * The window row of the rolled, padded map's position p (per axis), or -1 in padding. Token order within a window
     * and window order within a sample are both (d, h, w) row-major, as window_partition's permute leaves them.
     */
    private int windowRow(int b, int pz, int py, int px) {
        int wz = pz / window[0], wy = py / window[1], wx = px / window[2];
        int win = (wz * (padded[1] / window[1]) + wy) * (padded[2] / window[2]) + wx;
        int tok = ((pz % window[0]) * window[1] + py % window[1]) * window[2] + px % window[2];
        return (b * windowsPerSample() + win) * tokens() + tok;
    }

    /** Pad, roll by -shift, partition: map [N, D, H, W, C] to windows [windows, 1, 1, tokens, C]. */
    public RowGather partition(int channels) {
        int[] source = new int[windows() * tokens()];
        for (int b = 0; b < n; b++)
            for (int pz = 0; pz < padded[0]; pz++)
                for (int py = 0; py < padded[1]; py++)
                    for (int px = 0; px < padded[2]; px++) {
                        // rolled[p] = padded[(p + shift) mod padded]
                        int z = (pz + shift[0]) % padded[0], y = (py + shift[1]) % padded[1];
                        int x = (px + shift[2]) % padded[2];
                        boolean inside = z < size[0] && y < size[1] && x < size[2];
                        source[windowRow(b, pz, py, px)] =
                                inside ? ((b * size[0] + z) * size[1] + y) * size[2] + x : -1;
                    }
        return new RowGather(mapShape(channels), windowShape(channels), source);
    }

    /** Reverse, roll by +shift, crop: windows back to the map. */
    public RowGather reverse(int channels) {
        int[] source = new int[n * size[0] * size[1] * size[2]];
        for (int b = 0; b < n; b++)
            for (int z = 0; z < size[0]; z++)
                for (int y = 0; y < size[1]; y++)
                    for (int x = 0; x < size[2]; x++) {
                        int pz = Math.floorMod(z - shift[0], padded[0]), py = Math.floorMod(y - shift[1], padded[1]);
                        int px = Math.floorMod(x - shift[2], padded[2]);
                        source[((b * size[0] + z) * size[1] + y) * size[2] + x] = windowRow(b, pz, py, px);
                    }
        return new RowGather(windowShape(channels), mapShape(channels), source);
    }

    /**
     * compute_mask for shifted windows: [windowsPerSample, tokens, tokens], 0 within a region of the rolled map and
     * -100 across regions (regions per axis: before padded - window, before padded - shift, the rest). Null when
     * nothing shifts.
     */
    public float[] mask() {
        if (!shifted()) return null;
        int perSample = windowsPerSample(), t = tokens();
        int[] region = new int[perSample * t];
        for (int pz = 0; pz < padded[0]; pz++)
            for (int py = 0; py < padded[1]; py++)
                for (int px = 0; px < padded[2]; px++)
                    region[windowRow(0, pz, py, px)] = (regionOf(0, pz) * 3 + regionOf(1, py)) * 3 + regionOf(2, px);
        float[] mask = new float[perSample * t * t];
        for (int w = 0; w < perSample; w++)
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    mask[(w * t + i) * t + j] = region[w * t + i] == region[w * t + j] ? 0f : -100f;
        return mask;
    }

    /**
     * The slices of compute_mask along one axis. With no shift there, slice(-0, None) is the whole axis and the last to
     * be written: one region.
     */
    private int regionOf(int axis, int p) {
        if (shift[axis] == 0) return 2;
        return p < padded[axis] - window[axis] ? 0 : p < padded[axis] - shift[axis] ? 1 : 2;
    }

    public Shape maskShape() {
        return new Shape(windowsPerSample(), tokens(), tokens());
    }

    /**
     * The relative position bias lookup: bias [tokens, tokens, heads] from the table [(2w-1)^3, heads] of the
     * configured window. MONAI indexes with relative_position_index[:n, :n] of the configured window even where the
     * window has shrunk, so a shrunk window reads the first n rows and columns of the full window's index: so do we.
     */
    public RowGather biasLookup(int configuredWindow, int heads) {
        int[] index = relativePositionIndex(configuredWindow);
        int full = configuredWindow * configuredWindow * configuredWindow, t = tokens();
        int[] source = new int[t * t];
        for (int i = 0; i < t; i++) for (int j = 0; j < t; j++) source[i * t + j] = index[i * full + j];
        int span = 2 * configuredWindow - 1;
        return new RowGather(new Shape(span * span * span, heads), new Shape(t, t, heads), source);
    }

    /** WindowAttention's relative_position_index of a cubic window w: [w^3, w^3], row-major. */
    public static int[] relativePositionIndex(int w) {
        int t = w * w * w, span = 2 * w - 1;
        int[] index = new int[t * t];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++) {
                int dz = i / (w * w) - j / (w * w) + w - 1;
                int dy = i / w % w - j / w % w + w - 1;
                int dx = i % w - j % w + w - 1;
                index[i * t + j] = (dz * span + dy) * span + dx;
            }
        return index;
    }
}
