package org.backsplit.train;

import org.backsplit.backend.LossSpec;

/**
 * A training run's settings: epochs of a fixed number of iterations (nnU-Net: 1000 x 250), the optimizer, the poly
 * learning rate stepped once per epoch, gradient-norm clipping (nnU-Net: 12), the loss and the seed.
 */
public record TrainingConfig(
        int epochs, int iterationsPerEpoch, OptimizerConfig optimizer, double gradClip, LossSpec loss, long seed) {

    public TrainingConfig {
        if (epochs < 1 || iterationsPerEpoch < 1)
            throw new IllegalArgumentException("epochs and iterations must be >= 1");
    }
}
