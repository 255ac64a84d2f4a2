package org.backsplit.train;

import org.backsplit.nn.UNetPlan;

/**
 * What state.json in a checkpoint holds besides the tensors: the network plan, the run's settings, where the run stands
 * (the next epoch and iteration to run) and the random generator's state.
 */
public record CheckpointState(
        String format,
        String architecture,
        UNetPlan plan,
        TrainingConfig config,
        int epoch,
        int iteration,
        long optimizerSteps,
        long[] rng) {
    /** With checksums.json: every file verified when read. */
    public static final String FORMAT = "backsplit-checkpoint/2";
    /** Written before checksums were recorded: still read, unchecked. */
    public static final String UNCHECKED_FORMAT = "backsplit-checkpoint/1";
}
