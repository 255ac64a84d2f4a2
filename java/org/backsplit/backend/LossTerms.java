package org.backsplit.backend;

/** The loss terms as nnU-Net logs them: loss = weightCe * crossEntropy - weightDice * dice (mean soft Dice). */
public record LossTerms(double loss, double crossEntropy, double dice) {}
