package org.backsplit.train;

/** What one training iteration reports: where it ran, the loss terms, the gradient norm before clipping and the lr. */
public record StepResult(
        int epoch, int iteration, double loss, double crossEntropy, double dice, double gradNorm, double lr) {}
