package org.backsplit.backend;

import java.util.function.Supplier;
import org.backsplit.tensor.Tensor;

/**
 * The loss terms (read when first asked for, see {@link PendingLoss}) and the gradient with respect to the logits,
 * already multiplied by the spec's weight.
 */
public record LossResult(Supplier<LossTerms> terms, Tensor gradLogits) implements PendingLoss {

    /** Terms already known on the host. */
    public LossResult(double loss, double crossEntropy, double dice, Tensor gradLogits) {
        this(() -> new LossTerms(loss, crossEntropy, dice), gradLogits);
    }
}
