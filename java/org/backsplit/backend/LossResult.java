package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/**
 * The loss terms as nnU-Net logs them (loss = weightCe*ce - weightDice*dice, dice being the mean soft
 * Dice), and the gradient with respect to the logits, already multiplied by the spec's weight.
 */
public record LossResult(double loss, double crossEntropy, double dice, Tensor gradLogits) {
}
