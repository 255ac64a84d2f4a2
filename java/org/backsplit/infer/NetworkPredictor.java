package org.backsplit.infer;

import java.util.List;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** A U-Net as a tile predictor: its highest-resolution head, with the activations freed after each tile. */
public record NetworkPredictor(SegmentationNetwork net) implements TilePredictor {
    @Override
    public int classes() {
        return net.plan().numClasses();
    }

    @Override
    public float[] predict(float[] channelsLast, int[] tile) {
        Tensor x = net.backend()
                .upload(channelsLast, Shape.ndhwcOfXyz(1, tile, net.plan().inputChannels()));
        List<Tensor> logits = net.forward(x);
        float[] out = net.backend().download(logits.get(0));
        logits.forEach(Tensor::close);
        net.release();
        x.close();
        return out;
    }
}
