package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.optim.Adam;
import org.backsplit.optim.Optimizer;
import org.backsplit.optim.Sgd;

/**
 * Which optimizer and its hyperparameters. nnU-Net: SGD, lr 0.01, momentum 0.99, Nesterov, weight decay 3e-5. The
 * paper's SegResNet runs use Adam (lr 1e-4, weight decay 1e-5, eps 1e-5).
 */
public record OptimizerConfig(
        String kind, double initialLr, double momentum, double weightDecay, double beta1, double beta2, double eps) {

    public OptimizerConfig {
        if (!kind.equals("sgd") && !kind.equals("adam") && !kind.equals("adamw")) {
            throw new IllegalArgumentException("optimizer must be sgd, adam or adamw, not " + kind);
        }
    }

    public static OptimizerConfig nnUNetSgd() {
        return new OptimizerConfig("sgd", 0.01, 0.99, 3e-5, 0, 0, 0);
    }

    /**
     * What each network's reference trains it with: SGD as nnU-Net for its U-Nets, Adam as the paper's §D.3 for
     * SegResNet.
     */
    public static OptimizerConfig forArchitecture(org.backsplit.nn.Architecture architecture) {
        return architecture == org.backsplit.nn.Architecture.SEGRESNET ? adam(1e-4, 1e-5, 1e-5, false) : nnUNetSgd();
    }

    /** The same optimizer at another initial learning rate. */
    public OptimizerConfig withInitialLr(double lr) {
        return new OptimizerConfig(kind, lr, momentum, weightDecay, beta1, beta2, eps);
    }

    public static OptimizerConfig adam(double lr, double weightDecay, double eps, boolean decoupled) {
        return new OptimizerConfig(decoupled ? "adamw" : "adam", lr, 0, weightDecay, 0.9, 0.999, eps);
    }

    /** The optimizer, stepping on `backend` (the network's, or a wrapper of it). */
    public Optimizer create(Backend backend) {
        return switch (kind) {
            case "sgd" -> new Sgd(backend, momentum, weightDecay, true);
            case "adam" -> new Adam(backend, beta1, beta2, eps, weightDecay, false);
            default -> new Adam(backend, beta1, beta2, eps, weightDecay, true);
        };
    }
}
