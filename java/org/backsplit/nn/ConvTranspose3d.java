package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * nn.ConvTranspose3d with kernel = stride, with a bias (nnU-Net's decoder upsampling) or without (MONAI's
 * UnetrUpBlock).
 */
public final class ConvTranspose3d implements Layer {
    private final Backend backend;
    private final int[] stride;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor input;

    /**
     * @param layout CONV_TRANSPOSE, or CONV_TRANSPOSE_2D for a 2D network's nn.ConvTranspose2d (stride 1 along depth)
     */
    public ConvTranspose3d(Backend backend, String prefix, int in, int out, int[] stride, TorchLayout layout) {
        this(backend, prefix, in, out, stride, layout, true);
    }

    public ConvTranspose3d(
            Backend backend, String prefix, int in, int out, int[] stride, TorchLayout layout, boolean withBias) {
        this.backend = backend;
        this.stride = stride.clone();
        this.weight = new Parameter(
                prefix + "weight", backend.zeros(new Shape(in, stride[0], stride[1], stride[2], out)), layout);
        this.bias = withBias ? new Parameter(prefix + "bias", backend.zeros(new Shape(out)), TorchLayout.SAME) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        return backend.convTranspose3d(x, weight.value(), bias == null ? null : bias.value(), stride);
    }

    @Override
    public Tensor backward(Tensor dy) {
        WeightGrads g = backend.convTranspose3dBackwardWeight(input, dy, stride, bias != null);
        weight.setGrad(g.weight());
        if (bias != null) bias.setGrad(g.bias());
        input = null;
        return backend.convTranspose3dBackwardData(dy, weight.value(), stride);
    }

    @Override
    public void collect(List<Parameter> out) {
        out.add(weight);
        if (bias != null) out.add(bias);
    }
}
