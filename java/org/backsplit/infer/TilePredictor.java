package org.backsplit.infer;

import java.util.ArrayList;
import java.util.List;

/** Logits for one tile: what sliding-window inference asks of a network. */
public interface TilePredictor {
    int classes();

    /**
     * @param channelsLast the tile's input [z, y, x, C], x fastest after the channels
     * @param tile tile size {x, y, z}
     * @return logits [z, y, x, K] channels-last
     */
    float[] predict(float[] channelsLast, int[] tile);

    /**
     * The logits of several tiles of one size, in order (a tile and its mirror images): each as {@link #predict} gives
     * it. A network may run them as one batch.
     */
    default List<float[]> predictAll(List<float[]> channelsLast, int[] tile) {
        List<float[]> out = new ArrayList<>(channelsLast.size());
        for (float[] t : channelsLast) out.add(predict(t, tile));
        return out;
    }
}
