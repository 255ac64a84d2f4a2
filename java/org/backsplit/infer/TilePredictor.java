package org.backsplit.infer;

/** Logits for one tile: what sliding-window inference asks of a network. */
public interface TilePredictor {
    int classes();

    /**
     * @param channelsLast the tile's input [z, y, x, C], x fastest after the channels
     * @param tile tile size {x, y, z}
     * @return logits [z, y, x, K] channels-last
     */
    float[] predict(float[] channelsLast, int[] tile);
}
