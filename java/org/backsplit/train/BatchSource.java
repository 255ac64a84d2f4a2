package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.util.Rng;

/**
 * Produces training batches. All randomness comes from the trainer's Rng, whose state is checkpointed, so a
 * resumed run sees exactly the batches an uninterrupted run would have seen.
 */
public interface BatchSource {
    Batch next(Backend backend, Rng rng);
}
