package org.backsplit.backend;

/**
 * One Adam/AdamW update at step t (from 1). decoupled = AdamW (p *= 1 - lr*wd) rather than Adam's L2 term added to the
 * gradient.
 */
public record AdamStep(
        double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled, int t) {}
