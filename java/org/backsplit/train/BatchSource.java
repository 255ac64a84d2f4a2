package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.util.Rng;

/**
 * Produces training batches. All randomness comes from the trainer's Rng (whose state is checkpointed) or is derived
 * from the step number (which a prefetching source needs, as it makes batches before it is asked), so a resumed run
 * sees exactly the batches an uninterrupted run would have seen. Each call returns new tensors: the trainer closes them
 * after the step.
 */
public interface BatchSource {
    /** The batch for training step `step` (counted from 0 over the whole run). */
    Batch next(Backend backend, Rng rng, long step);
}
