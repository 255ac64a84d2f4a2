package org.backsplit.optim;

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR stepped once per epoch, T_max = the run's epochs: lr = final + (initial -
 * final) * (1 + cos(pi * epoch / maxEpochs)) / 2 (the paper's SwinUNETR runs anneal to 1e-6).
 */
public final class CosineLr {
    private CosineLr() {}

    public static double at(double initial, double last, int epoch, int maxEpochs) {
        return last + (initial - last) * (1 + Math.cos(Math.PI * epoch / maxEpochs)) / 2;
    }
}
