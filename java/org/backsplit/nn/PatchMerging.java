package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.RowGather;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * MONAI's PatchMerging (the v0.9 "merging" that SwinUNETR v1 uses): pad odd sizes at the far end, concatenate the eight
 * stride-2 slices in MONAI's order along channels, layer norm over the 8C channels, then a linear map to 2C without
 * bias. Parameters prefix + "reduction.weight", "norm.weight", "norm.bias" (state_dict order).
 */
public final class PatchMerging implements Layer {
    /** The slices x0..x7 as MONAI concatenates them: (d, h, w) offsets. */
    private static final int[][] OFFSETS = {
        {0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1}
    };

    private final Backend backend;
    private final Conv3d reduction;
    private final LayerNorm norm;
    private RowGather gather;
    private Tensor merged;
    private Tensor normed;

    public PatchMerging(Backend backend, String prefix, int channels) {
        this.backend = backend;
        this.reduction = Conv3d.linear(backend, prefix + "reduction.", 8 * channels, 2 * channels, false);
        this.norm = new LayerNorm(backend, prefix + "norm.", 8 * channels);
    }

    /** The eight slices of a [N, D, H, W, C] map side by side: [N, ceil(D/2), ceil(H/2), ceil(W/2), 8C]. */
    public static RowGather gather(Shape map) {
        int n = map.n(), d = map.d(), h = map.h(), w = map.w();
        int d2 = (d + 1) / 2, h2 = (h + 1) / 2, w2 = (w + 1) / 2;
        int[] source = new int[n * d2 * h2 * w2 * 8];
        int i = 0;
        for (int b = 0; b < n; b++)
            for (int z = 0; z < d2; z++)
                for (int y = 0; y < h2; y++)
                    for (int x = 0; x < w2; x++)
                        for (int[] o : OFFSETS) {
                            int sz = 2 * z + o[0], sy = 2 * y + o[1], sx = 2 * x + o[2];
                            source[i++] = sz < d && sy < h && sx < w ? ((b * d + sz) * h + sy) * w + sx : -1;
                        }
        return new RowGather(map, Shape.ndhwc(n, d2, h2, w2, 8 * map.c()), source);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (gather == null || !gather.sourceShape().equals(x.shape())) gather = gather(x.shape());
        merged = backend.gatherRows(x, gather);
        normed = norm.forward(merged);
        return reduction.forward(normed);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dNormed = reduction.backward(dy);
        normed.close();
        Tensor dMerged = norm.backward(dNormed);
        dNormed.close();
        merged.close();
        Tensor dx = backend.gatherRowsBackward(dMerged, gather);
        dMerged.close();
        normed = null;
        merged = null;
        return dx;
    }

    /** Drops what a forward kept (after an inference-only forward). */
    void release() {
        if (merged != null) merged.close();
        if (normed != null) normed.close();
        norm.release();
        merged = normed = null;
    }

    @Override
    public void collect(List<Parameter> out) {
        reduction.collect(out);
        norm.collect(out);
    }
}
