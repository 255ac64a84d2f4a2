package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * nn.GroupNorm (eps 1e-5, affine), optionally followed by ReLU: MONAI SegResNet's normalisation and activation.
 * Parameters: prefix + "weight", "bias".
 */
public final class GroupNormAct implements Layer {
    static final double EPS = 1e-5;

    private final Backend backend;
    private final int groups;
    private final boolean relu;
    private final Parameter gamma;
    private final Parameter beta;
    private Tensor input;
    private GroupNormOutput norm;
    private Tensor out;

    public GroupNormAct(Backend backend, String prefix, int channels, int groups, boolean relu) {
        if (channels % groups != 0)
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        this.backend = backend;
        this.groups = groups;
        this.relu = relu;
        float[] ones = new float[channels];
        java.util.Arrays.fill(ones, 1f);
        this.gamma = new Parameter(prefix + "weight", backend.upload(ones, new Shape(channels)), TorchLayout.SAME);
        this.beta = new Parameter(prefix + "bias", backend.zeros(new Shape(channels)), TorchLayout.SAME);
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        norm = backend.groupNorm(x, gamma.value(), beta.value(), groups, EPS);
        out = relu ? backend.leakyRelu(norm.y(), 0) : norm.y();
        if (relu) norm.y().close(); // ReLU's backward needs only its output
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dz = relu ? backend.leakyReluBackward(dy, out, 0) : dy;
        GroupNormGrads g = backend.groupNormBackward(dz, input, gamma.value(), norm, groups);
        if (dz != dy) dz.close();
        gamma.setGrad(g.dgamma());
        beta.setGrad(g.dbeta());
        norm.mean().close();
        norm.rstd().close();
        input = null;
        norm = null;
        out = null;
        return g.dx();
    }

    @Override
    public void collect(List<Parameter> out) {
        out.add(gamma);
        out.add(beta);
    }
}
