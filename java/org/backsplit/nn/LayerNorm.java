package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LayerNormGrads;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * nn.LayerNorm(C) over the last axis (eps 1e-5) with prefix + "weight" and "bias", or, with a null prefix, F.layer_norm
 * without them (SwinUNETR's proj_out).
 */
public final class LayerNorm implements Layer {
    static final double EPS = 1e-5;

    private final Backend backend;
    private final Parameter gamma;
    private final Parameter beta;
    private Tensor input;
    private LayerNormOutput saved;

    public LayerNorm(Backend backend, String prefix, int channels) {
        this.backend = backend;
        if (prefix == null) {
            gamma = null;
            beta = null;
        } else {
            float[] ones = new float[channels];
            java.util.Arrays.fill(ones, 1f);
            gamma = new Parameter(prefix + "weight", backend.upload(ones, new Shape(channels)), TorchLayout.SAME);
            beta = new Parameter(prefix + "bias", backend.zeros(new Shape(channels)), TorchLayout.SAME);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        saved = backend.layerNorm(x, gamma == null ? null : gamma.value(), gamma == null ? null : beta.value(), EPS);
        return saved.y();
    }

    @Override
    public Tensor backward(Tensor dy) {
        LayerNormGrads g = backend.layerNormBackward(dy, input, gamma == null ? null : gamma.value(), saved);
        if (gamma != null) {
            gamma.setGrad(g.dgamma());
            beta.setGrad(g.dbeta());
        }
        saved.mean().close();
        saved.rstd().close();
        saved = null;
        input = null;
        return g.dx();
    }

    /** Drops the statistics a forward kept (after an inference-only forward). */
    void release() {
        if (saved != null) {
            saved.mean().close();
            saved.rstd().close();
        }
        saved = null;
        input = null;
    }

    @Override
    public void collect(List<Parameter> out) {
        if (gamma != null) {
            out.add(gamma);
            out.add(beta);
        }
    }
}
