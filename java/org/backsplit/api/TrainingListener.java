package org.backsplit.api;

import org.backsplit.run.EpochRecord;

/** Told how a {@link Training} goes: its messages, and each epoch as it ends. Called on the training's thread. */
public interface TrainingListener {
    /** A line of what the training says (what `train` prints). */
    void message(String line);

    /** An epoch has ended: losses, target pseudo-Dice, its moving average, learning rate, time. */
    default void epoch(EpochRecord epoch) {}

    /** A listener that ignores everything. */
    TrainingListener SILENT = line -> {};
}
