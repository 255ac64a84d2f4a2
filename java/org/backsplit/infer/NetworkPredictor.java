package org.backsplit.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * A U-Net as a tile predictor: its highest-resolution head, with the activations freed after each forward. Several
 * tiles (a tile's mirror images) go through the network as one batch of up to {@link #BATCH_VOXELS} voxels: one forward
 * instead of eight for small tiles, where per-layer overheads and the thinnest layers dominate; a large tile goes
 * alone, so memory stays that of one tile. Each sample of a batch is computed exactly as alone (the operations never
 * mix samples), so batching changes no value.
 */
public record NetworkPredictor(SegmentationNetwork net) implements TilePredictor {
    /** Voxels per forward when batching tiles: eight 32^3 tiles. */
    static final long BATCH_VOXELS = 8L * 32 * 32 * 32;

    @Override
    public int classes() {
        return net.plan().numClasses();
    }

    @Override
    public float[] predict(float[] channelsLast, int[] tile) {
        return predictAll(List.of(channelsLast), tile).get(0);
    }

    @Override
    public List<float[]> predictAll(List<float[]> channelsLast, int[] tile) {
        long voxels = (long) tile[0] * tile[1] * tile[2];
        int perBatch = (int) Math.max(1, Math.min(channelsLast.size(), BATCH_VOXELS / voxels));
        List<float[]> out = new ArrayList<>(channelsLast.size());
        for (int from = 0; from < channelsLast.size(); from += perBatch) {
            int b = Math.min(perBatch, channelsLast.size() - from);
            int in = channelsLast.get(from).length;
            float[] batch = new float[b * in];
            for (int i = 0; i < b; i++) System.arraycopy(channelsLast.get(from + i), 0, batch, i * in, in);
            Tensor x = net.backend()
                    .upload(batch, Shape.ndhwcOfXyz(b, tile, net.plan().inputChannels()));
            List<Tensor> logits = net.forward(x);
            float[] all = net.backend().download(logits.get(0));
            logits.forEach(Tensor::close);
            net.release();
            x.close();
            int each = all.length / b;
            for (int i = 0; i < b; i++) out.add(Arrays.copyOfRange(all, i * each, (i + 1) * each));
        }
        return out;
    }
}
