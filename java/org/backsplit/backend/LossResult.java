package org.backsplit.backend;

import java.util.function.Supplier;
import org.backsplit.tensor.Tensor;

/**
 * The loss terms as nnU-Net logs them (loss = weightCe*ce - weightDice*dice, dice being the mean soft
 * Dice), and the gradient with respect to the logits, already multiplied by the spec's weight. The terms
 * are read when first asked for: a GPU backend leaves them on the device until then, so a training step
 * need not wait for the GPU before its loss is logged.
 */
public record LossResult(Supplier<LossTerms> terms, Tensor gradLogits) {

    /** The three numbers. */
    public record LossTerms(double loss, double crossEntropy, double dice) {
    }

    /** Terms already known on the host. */
    public LossResult(double loss, double crossEntropy, double dice, Tensor gradLogits) {
        this(() -> new LossTerms(loss, crossEntropy, dice), gradLogits);
    }

    public double loss() {
        return terms.get().loss();
    }

    public double crossEntropy() {
        return terms.get().crossEntropy();
    }

    public double dice() {
        return terms.get().dice();
    }
}
