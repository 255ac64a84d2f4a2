package org.backsplit.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.AdamStep;
import org.backsplit.backend.Backend;
import org.backsplit.nn.Parameter;
import org.backsplit.tensor.Tensor;

/** torch.optim.Adam (L2 weight decay) or AdamW (decoupled weight decay). */
public final class Adam implements Optimizer {
    private final Backend backend;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final Map<String, Tensor[]> moments = new LinkedHashMap<>();
    private final Map<String, Integer> paramSteps = new LinkedHashMap<>();
    private long steps;

    /** Steps on `backend` (the one the network's tensors belong to, or a wrapper of it such as a profiler). */
    public Adam(Backend backend, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        this.backend = backend;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    public void step(List<Parameter> params, double lr) {
        for (Parameter p : params) {
            if (p.grad() == null) continue;
            Tensor[] mv = moments.computeIfAbsent(p.name(), k -> new Tensor[] {
                backend.zeros(p.value().shape()), backend.zeros(p.value().shape())
            });
            int t = paramSteps.merge(p.name(), 1, Integer::sum); // PyTorch counts steps per parameter
            backend.adamStep(
                    p.value(), p.grad(), mv[0], mv[1], new AdamStep(lr, beta1, beta2, eps, weightDecay, decoupled, t));
        }
        steps++;
    }

    @Override
    public Map<String, Tensor> stateTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        moments.forEach((k, v) -> {
            m.put(k + ".exp_avg", v[0]);
            m.put(k + ".exp_avg_sq", v[1]);
            Tensor step = backend.upload(new float[] {paramSteps.get(k)}, new org.backsplit.tensor.Shape(1));
            m.put(k + ".step", step);
        });
        return m;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void restore(Map<String, Tensor> tensors, long steps) {
        moments.clear();
        paramSteps.clear();
        tensors.forEach((k, v) -> {
            int dot = k.lastIndexOf('.');
            String name = k.substring(0, dot), kind = k.substring(dot + 1);
            Tensor[] mv = moments.computeIfAbsent(name, n -> new Tensor[2]);
            switch (kind) {
                case "exp_avg" -> mv[0] = v;
                case "exp_avg_sq" -> mv[1] = v;
                case "step" -> paramSteps.put(name, (int) backend.download(v)[0]);
                default -> throw new IllegalArgumentException("not an Adam state tensor: " + k);
            }
        });
        this.steps = steps;
    }

    @Override
    public String kind() {
        return decoupled ? "adamw" : "adam";
    }
}
