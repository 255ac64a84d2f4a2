package org.backsplit.optim;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.PendingScalar;
import org.backsplit.nn.Parameter;
import org.backsplit.tensor.Tensor;

/** torch.nn.utils.clip_grad_norm_: scales all gradients by maxNorm / (norm + 1e-6) when that is below 1. */
public final class GradientClipping {
    private GradientClipping() {}

    /** Clips on `backend`; returns the total L2 norm before clipping, read when asked for. */
    public static PendingScalar clip(Backend backend, List<Parameter> params, double maxNorm) {
        List<Tensor> grads = new ArrayList<>();
        for (Parameter p : params) {
            if (p.grad() != null) grads.add(p.grad());
        }
        if (grads.isEmpty()) return PendingScalar.of(0);
        return backend.clipGradNorm(grads, maxNorm);
    }
}
