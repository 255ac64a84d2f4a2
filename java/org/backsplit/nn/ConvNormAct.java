package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * nnU-Net's ConvDropoutNormReLU without dropout: conv, instance norm (affine, eps 1e-5), LeakyReLU 0.01, the last two
 * as one fused backend operation; or, without the activation, conv and norm only (the residual blocks' second
 * convolution and projection). Parameters: prefix + "conv.weight", ["conv.bias"], "norm.weight", "norm.bias".
 */
public final class ConvNormAct implements Layer {
    static final double EPS = 1e-5;
    static final double SLOPE = 0.01;

    private final Backend backend;
    private final Conv3d conv;
    private final Parameter gamma;
    private final Parameter beta;
    private final boolean activate;
    private Tensor convOut;
    private GroupNormOutput norm;
    private Tensor out;

    public ConvNormAct(
            Backend backend,
            String prefix,
            int in,
            int outChannels,
            int[] kernel,
            int[] stride,
            boolean needsInputGrad) {
        this(backend, prefix, in, outChannels, kernel, stride, true, true, TorchLayout.CONV, needsInputGrad);
    }

    public ConvNormAct(
            Backend backend,
            String prefix,
            int in,
            int outChannels,
            int[] kernel,
            int[] stride,
            boolean convBias,
            boolean activate,
            TorchLayout layout,
            boolean needsInputGrad) {
        this.backend = backend;
        this.activate = activate;
        this.conv = new Conv3d(
                backend, prefix + "conv.", in, outChannels, kernel, stride, convBias, layout, needsInputGrad);
        this.conv.feedsInstanceNorm();
        this.gamma = new Parameter(
                prefix + "norm.weight", backend.upload(ones(outChannels), new Shape(outChannels)), TorchLayout.SAME);
        this.beta = new Parameter(prefix + "norm.bias", backend.zeros(new Shape(outChannels)), TorchLayout.SAME);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    /** Sets the norm's scale and shift to 0 (so the block's output starts at zero). */
    void zeroNorm() {
        int c = gamma.value().shape().dim(0);
        gamma.set(backend.zeros(new org.backsplit.tensor.Shape(c)));
        beta.set(backend.zeros(new org.backsplit.tensor.Shape(c)));
    }

    @Override
    public Tensor forward(Tensor x) {
        convOut = conv.forward(x);
        norm = activate
                ? backend.groupNormLeakyRelu(
                        convOut, gamma.value(), beta.value(), convOut.shape().c(), EPS, SLOPE)
                : backend.groupNorm(
                        convOut, gamma.value(), beta.value(), convOut.shape().c(), EPS);
        out = norm.y(); // with the activation, the normalised values are never stored
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        GroupNormGrads g = activate
                ? backend.groupNormLeakyReluBackward(
                        dy, convOut, out, gamma.value(), norm, convOut.shape().c(), SLOPE)
                : backend.groupNormBackward(
                        dy, convOut, gamma.value(), norm, convOut.shape().c());
        gamma.setGrad(g.dgamma());
        beta.setGrad(g.dbeta());
        Tensor dx = conv.backward(g.dx());
        g.dx().close();
        convOut.close();
        norm.mean().close();
        norm.rstd().close(); // norm.y() is `out`, the caller's to close
        convOut = null;
        norm = null;
        out = null;
        return dx;
    }

    @Override
    public void collect(List<Parameter> out) {
        conv.collect(out);
        out.add(gamma);
        out.add(beta);
    }
}
