package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.optim.Adam;
import org.backsplit.optim.CosineLr;
import org.backsplit.optim.Optimizer;
import org.backsplit.optim.PolyLr;
import org.backsplit.optim.Sgd;

/**
 * Which optimizer, its hyperparameters and its learning-rate schedule, stepped once per epoch: "poly" (nnU-Net's,
 * initial * (1 - epoch / epochs)^0.9) or "cosine" (CosineAnnealingLR down to finalLr). nnU-Net: SGD, lr 0.01, momentum
 * 0.99, Nesterov, weight decay 3e-5, poly. The paper's SegResNet runs: Adam (lr 1e-4, weight decay 1e-5, eps 1e-5),
 * poly; its SwinUNETR runs (§D.4): AdamW (lr 8e-4, weight decay 0.01, eps 1e-5), cosine to 1e-6. A checkpoint written
 * before schedules existed reads as poly.
 */
public record OptimizerConfig(
        String kind,
        double initialLr,
        double momentum,
        double weightDecay,
        double beta1,
        double beta2,
        double eps,
        String schedule,
        double finalLr) {

    public OptimizerConfig {
        if (!kind.equals("sgd") && !kind.equals("adam") && !kind.equals("adamw")) {
            throw new IllegalArgumentException("optimizer must be sgd, adam or adamw, not " + kind);
        }
        if (schedule == null) schedule = "poly";
        if (!schedule.equals("poly") && !schedule.equals("cosine"))
            throw new IllegalArgumentException("learning-rate schedule must be poly or cosine, not " + schedule);
    }

    public static OptimizerConfig nnUNetSgd() {
        return new OptimizerConfig("sgd", 0.01, 0.99, 3e-5, 0, 0, 0, "poly", 0);
    }

    /**
     * What each network's reference trains it with: SGD as nnU-Net for its U-Nets, Adam as the paper's §D.3 for
     * SegResNet, AdamW with cosine annealing as its §D.4 for SwinUNETR.
     */
    public static OptimizerConfig forArchitecture(org.backsplit.nn.Architecture architecture) {
        return switch (architecture) {
            case SEGRESNET -> adam(1e-4, 1e-5, 1e-5, false);
            case SWINUNETR -> adam(8e-4, 0.01, 1e-5, true).withSchedule("cosine", 1e-6);
            default -> nnUNetSgd();
        };
    }

    /** The same optimizer at another initial learning rate. */
    public OptimizerConfig withInitialLr(double lr) {
        return new OptimizerConfig(kind, lr, momentum, weightDecay, beta1, beta2, eps, schedule, finalLr);
    }

    /** The same optimizer with another schedule (finalLr: where cosine annealing ends; poly ignores it). */
    public OptimizerConfig withSchedule(String name, double last) {
        return new OptimizerConfig(kind, initialLr, momentum, weightDecay, beta1, beta2, eps, name, last);
    }

    public static OptimizerConfig adam(double lr, double weightDecay, double eps, boolean decoupled) {
        return new OptimizerConfig(decoupled ? "adamw" : "adam", lr, 0, weightDecay, 0.9, 0.999, eps, "poly", 0);
    }

    /** The learning rate of an epoch of a run of `epochs`. */
    public double learningRate(int epoch, int epochs) {
        return schedule.equals("cosine")
                ? CosineLr.at(initialLr, finalLr, epoch, epochs)
                : PolyLr.at(initialLr, epoch, epochs);
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
