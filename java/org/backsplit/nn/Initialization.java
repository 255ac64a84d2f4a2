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

    /**
     * PyTorch's default initialisation, which MONAI keeps: kaiming_uniform_(a = sqrt(5)) for convolution, transposed
     * convolution and linear weights, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias that
     * follows its weight; norm scales and shifts stay as constructed (1 and 0). Parameters are drawn in list order.
     */
    public static void pyTorchDefaults(Backend backend, List<Parameter> params, Rng rng) {
        Parameter previous = null;
        double bound = 0;
        for (Parameter p : params) {
            Shape torch = p.layout().torch(p.value().shape());
            if (p.layout() != TorchLayout.SAME) {
                bound = 1 / Math.sqrt((double) torch.numel() / torch.dim(0));
                p.set(backend.upload(
                        p.layout().fromTorch(uniform(rng, torch.size(), bound), torch),
                        p.value().shape()));
            } else if (previous != null
                    && previous.layout() != TorchLayout.SAME
                    && p.name().endsWith("bias")
                    && prefix(p).equals(prefix(previous))) {
                p.set(backend.upload(
                        uniform(rng, torch.size(), bound), p.value().shape()));
            }
            previous = p;
        }
    }

    private static String prefix(Parameter p) {
        return p.name().substring(0, p.name().lastIndexOf('.') + 1);
    }

    private static float[] uniform(Rng rng, int n, double bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        return v;
    }
}
