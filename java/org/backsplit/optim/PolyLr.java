package org.backsplit.optim;

/** nnU-Net's PolyLRScheduler: lr = initial * (1 - epoch / maxEpochs)^0.9, stepped once per epoch. */
public final class PolyLr {
    private PolyLr() {}

    public static double at(double initial, int epoch, int maxEpochs) {
        return initial * Math.pow(1.0 - (double) epoch / maxEpochs, 0.9);
    }
}
