package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** nn.ConvTranspose3d with kernel = stride and a bias: nnU-Net's decoder upsampling. */
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
        this.backend = backend;
        this.stride = stride.clone();
        this.weight = new Parameter(
                prefix + "weight", backend.zeros(new Shape(in, stride[0], stride[1], stride[2], out)), layout);
        this.bias = new Parameter(prefix + "bias", backend.zeros(new Shape(out)), TorchLayout.SAME);
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        return backend.convTranspose3d(x, weight.value(), bias.value(), stride);
    }

    @Override
    public Tensor backward(Tensor dy) {
        WeightGrads g = backend.convTranspose3dBackwardWeight(input, dy, stride, true);
        weight.setGrad(g.weight());
        bias.setGrad(g.bias());
        input = null;
        return backend.convTranspose3dBackwardData(dy, weight.value(), stride);
    }

    @Override
    public void collect(List<Parameter> out) {
        out.add(weight);
        out.add(bias);
    }
}
