package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.WeightGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * nn.Conv3d with padding (k-1)/2, with or without a bias; its parameters are named prefix + "weight" and "bias". With
 * the CONV_2D layout it is a 2D network's nn.Conv2d, run as a 3D convolution of depth 1.
 */
public final class Conv3d implements Layer {
    private final Backend backend;
    private final ConvGeometry geometry;
    private final Parameter weight;
    private final Parameter bias;
    private final boolean needsInputGrad;
    private boolean biasGradientIsZero;
    private Tensor input;

    /**
     * @param needsInputGrad false for a network's first convolution, whose input is the image: its backward-data pass
     *     would be wasted work
     */
    public Conv3d(Backend backend, String prefix, int in, int out, int[] kernel, int[] stride, boolean needsInputGrad) {
        this(backend, prefix, in, out, kernel, stride, true, TorchLayout.CONV, needsInputGrad);
    }

    /** @param layout CONV, or CONV_2D for a 2D network (kernel and stride 1 along depth) */
    public Conv3d(
            Backend backend,
            String prefix,
            int in,
            int out,
            int[] kernel,
            int[] stride,
            boolean withBias,
            TorchLayout layout,
            boolean needsInputGrad) {
        if (layout == TorchLayout.CONV_2D && (kernel[0] != 1 || stride[0] != 1)) {
            throw new IllegalArgumentException("a 2D convolution has kernel and stride 1 along depth");
        }
        this.backend = backend;
        this.geometry = ConvGeometry.same(kernel, stride);
        this.weight = new Parameter(
                prefix + "weight", backend.zeros(new Shape(out, kernel[0], kernel[1], kernel[2], in)), layout);
        this.bias = withBias ? new Parameter(prefix + "bias", backend.zeros(new Shape(out)), TorchLayout.SAME) : null;
        this.needsInputGrad = needsInputGrad;
    }

    /**
     * nn.Linear(in, out) over the last axis of any 5D tensor: a 1x1x1 convolution, whose weight [out, 1, 1, 1, in]
     * holds PyTorch's [out, in] as it is.
     */
    public static Conv3d linear(Backend backend, String prefix, int in, int out, boolean withBias) {
        int[] one = {1, 1, 1};
        return new Conv3d(backend, prefix, in, out, one, one, withBias, TorchLayout.LINEAR, true);
    }

    /**
     * Declares that the output feeds a per-channel normalisation (instance norm): it subtracts each channel's mean, so
     * the bias cancels and its gradient is exactly zero. The backward pass then sets a zero gradient instead of summing
     * dY over every voxel (one whole read of dY per convolution saved); optimizers still see a gradient, so weight
     * decay applies to the bias as in PyTorch.
     */
    void feedsInstanceNorm() {
        biasGradientIsZero = true;
    }

    public int outChannels() {
        return weight.value().shape().dim(0);
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        return backend.conv3d(x, weight.value(), bias == null ? null : bias.value(), geometry);
    }

    @Override
    public Tensor backward(Tensor dy) {
        WeightGrads g = backend.conv3dBackwardWeight(input, dy, geometry, bias != null && !biasGradientIsZero);
        weight.setGrad(g.weight());
        if (bias != null)
            bias.setGrad(biasGradientIsZero ? backend.zeros(bias.value().shape()) : g.bias());
        Tensor dx = needsInputGrad ? backend.conv3dBackwardData(dy, weight.value(), geometry, input) : null;
        input = null;
        return dx;
    }

    @Override
    public void collect(List<Parameter> out) {
        out.add(weight);
        if (bias != null) out.add(bias);
    }
}
