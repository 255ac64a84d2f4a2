package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.NormForward;
import org.backsplit.backend.NormGrads;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * nnU-Net's ConvDropoutNormReLU without dropout: conv, instance norm (affine, eps 1e-5), LeakyReLU 0.01, the
 * last two as one fused backend operation.
 * Parameters: prefix + "conv.weight", "conv.bias", "norm.weight", "norm.bias".
 */
public final class ConvNormAct implements Layer {
    static final double EPS = 1e-5;
    static final double SLOPE = 0.01;

    private final Backend backend;
    private final Conv3d conv;
    private final Parameter gamma;
    private final Parameter beta;
    private Tensor convOut;
    private NormForward norm;
    private Tensor out;

    public ConvNormAct(Backend backend, String prefix, int in, int outChannels, int[] kernel, int[] stride, boolean needsInputGrad) {
        this.backend = backend;
        this.conv = new Conv3d(backend, prefix + "conv.", in, outChannels, kernel, stride, needsInputGrad);
        this.gamma = new Parameter(prefix + "norm.weight", backend.upload(ones(outChannels), new Shape(outChannels)), TorchLayout.SAME);
        this.beta = new Parameter(prefix + "norm.bias", backend.zeros(new Shape(outChannels)), TorchLayout.SAME);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    @Override
    public Tensor forward(Tensor x) {
        convOut = conv.forward(x);
        norm = backend.instanceNormLeakyRelu(convOut, gamma.value(), beta.value(), EPS, SLOPE);
        out = norm.y(); // the activation; the normalised values are never stored
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        NormGrads g = backend.instanceNormLeakyReluBackward(dy, convOut, out, gamma.value(), norm, SLOPE);
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
