package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.tensor.Shape;
import org.backsplit.util.Rng;

/**
 * One small 3D case with three classes: background, a sphere (class 1, bright) and a box (class 2, dark), with Gaussian
 * noise. Each batch holds the case twice, randomly mirrored along each axis (drawn from the trainer's Rng, so resuming
 * must restore that generator exactly).
 */
final class SyntheticCase implements BatchSource {
    final int size;
    final float[] image;
    final float[] labels;

    SyntheticCase(int size, long seed) {
        this.size = size;
        int v = size * size * size;
        image = new float[v];
        labels = new float[v];
        Rng noise = new Rng(seed);
        double c = size / 2.0 - 0.5, r = size * 0.28;
        for (int z = 0; z < size; z++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    int i = (z * size + y) * size + x;
                    double d = Math.sqrt((z - c) * (z - c) + (y - c + 2) * (y - c + 2) + (x - c + 2) * (x - c + 2));
                    int label = d < r
                            ? 1
                            : (z >= 3 && z < size - 3 && y >= size - 7 && y < size - 1 && x >= size - 7 && x < size - 1)
                                    ? 2
                                    : 0;
                    labels[i] = label;
                    image[i] = (float) ((label == 1 ? 1.0 : label == 2 ? -1.0 : 0.0) + 0.35 * noise.nextGaussian());
                }
    }

    Shape shape(int batch, int channels) {
        return Shape.ndhwc(batch, size, size, size, channels);
    }

    @Override
    public Batch next(Backend backend, Rng rng, long step) {
        int v = size * size * size;
        float[] img = new float[2 * v], lab = new float[2 * v];
        for (int b = 0; b < 2; b++) {
            boolean fz = rng.nextDouble() < 0.5, fy = rng.nextDouble() < 0.5, fx = rng.nextDouble() < 0.5;
            for (int z = 0; z < size; z++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++) {
                        int src = ((fz ? size - 1 - z : z) * size + (fy ? size - 1 - y : y)) * size
                                + (fx ? size - 1 - x : x);
                        int dst = b * v + (z * size + y) * size + x;
                        img[dst] = image[src];
                        lab[dst] = labels[src];
                    }
        }
        return new Batch(backend.upload(img, shape(2, 1)), backend.upload(lab, shape(2, 1)));
    }
}
