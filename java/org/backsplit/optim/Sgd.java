package org.backsplit.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.backend.SgdStep;
import org.backsplit.nn.Parameter;
import org.backsplit.tensor.Tensor;

/** torch.optim.SGD; nnU-Net uses momentum 0.99, Nesterov, weight decay 3e-5. */
public final class Sgd implements Optimizer {
    private final Backend backend;
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private long steps;

    /** Steps on `backend` (the one the network's tensors belong to, or a wrapper of it such as a profiler). */
    public Sgd(Backend backend, double momentum, double weightDecay, boolean nesterov) {
        this.backend = backend;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    public static Sgd nnUNet(Backend backend) {
        return new Sgd(backend, 0.99, 3e-5, true);
    }

    @Override
    public void step(List<Parameter> params, double lr) {
        for (Parameter p : params) {
            if (p.grad() == null) continue;
            Tensor buf = buffers.get(p.name());
            boolean first = buf == null;
            if (first) {
                buf = backend.zeros(p.value().shape());
                buffers.put(p.name(), buf);
            }
            backend.sgdStep(p.value(), p.grad(), buf, new SgdStep(lr, momentum, weightDecay, nesterov, first));
        }
        steps++;
    }

    @Override
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        buffers.forEach((k, v) -> m.put(k + ".momentum_buffer", v));
        return m;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void restore(Map<String, Tensor> tensors, long steps) {
        buffers.clear();
        tensors.forEach((k, v) -> {
            if (!k.endsWith(".momentum_buffer")) throw new IllegalArgumentException("not an SGD state tensor: " + k);
            buffers.put(k.substring(0, k.length() - ".momentum_buffer".length()), v);
        });
        this.steps = steps;
    }

    @Override
    public String kind() {
        return "sgd";
    }
}
