package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.util.Rng;

/**
 * Produces training batches. All randomness comes from the trainer's Rng, whose state is checkpointed, so a
 * resumed run sees exactly the batches an uninterrupted run would have seen. Each call returns new tensors:
 * the trainer closes them after the step.
 */
public interface BatchSource {
    Batch next(Backend backend, Rng rng);
}
