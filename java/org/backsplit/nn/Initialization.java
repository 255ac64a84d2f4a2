package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Shape;
import org.backsplit.util.Rng;

/**
 * nnU-Net's InitWeights_He(1e-2): kaiming_normal_(weight, a=0.01) for every convolution and transposed convolution,
 * zero biases; instance-norm scales stay 1 and shifts 0. The fan-in is computed from the PyTorch shape as PyTorch does
 * it (dim 1 times the kernel volume), which for a transposed convolution [Cin, Cout, k...] means Cout * k^3.
 */
public final class Initialization {
    private Initialization() {}

    public static void he(Backend backend, List<Parameter> params, Rng rng, double negativeSlope) {
        double gain = Math.sqrt(2.0 / (1 + negativeSlope * negativeSlope));
        for (Parameter p : params) {
            if (p.layout() == TorchLayout.SAME) continue; // biases zero, norm scales one: set at construction
            Shape torch = p.layout().torch(p.value().shape());
            long fanIn = torch.numel() / torch.dim(0);
            double std = gain / Math.sqrt(fanIn);
            float[] w = new float[torch.size()];
            for (int i = 0; i < w.length; i++) w[i] = (float) (rng.nextGaussian() * std);
            p.set(backend.upload(p.layout().fromTorch(w, torch), p.value().shape()));
        }
    }
}
