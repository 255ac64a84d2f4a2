package org.backsplit.backend;

import java.util.function.Supplier;

/**
 * Loss terms read when first asked for: a GPU backend leaves them on the device until then, so a training step need not
 * wait for the GPU before its loss is logged.
 */
public interface PendingLoss {
    Supplier<LossTerms> terms();

    default double loss() {
        return terms().get().loss();
    }

    default double crossEntropy() {
        return terms().get().crossEntropy();
    }

    default double dice() {
        return terms().get().dice();
    }
}
