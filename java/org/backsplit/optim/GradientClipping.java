package org.backsplit.optim;

import java.util.List;
import org.backsplit.nn.Parameter;

/** torch.nn.utils.clip_grad_norm_: scales all gradients by maxNorm / (norm + 1e-6) when that is below 1. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Returns the total L2 norm of the gradients before clipping. */
    public static double clip(List<Parameter> params, double maxNorm) {
        double sq = 0;
        for (Parameter p : params) {
            if (p.grad() != null) sq += p.grad().backend().sumOfSquares(p.grad());
        }
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Parameter p : params) {
                if (p.grad() != null) p.grad().backend().scaleInPlace(p.grad(), coef);
            }
        }
        return norm;
    }
}
