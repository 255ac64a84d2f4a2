package org.backsplit.bench;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.data.patch.Augmenter;
import org.backsplit.data.patch.PatchLoader;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.util.Rng;

/**
 * Patches per second from the prefetching loader (sampling, nnU-Net's intensity augmentations, mirroring, channels-last
 * layout), on the given number of threads. Usage: LoaderBench PATCH THREADS BATCHES
 */
public final class LoaderBench {
    public static void main(String[] args) {
        int p = Integer.parseInt(args[0]), threads = Integer.parseInt(args[1]), batches = Integer.parseInt(args[2]);
        int[] dims = {200, 200, 160};
        Rng rng = new Rng(1);
        List<PreparedCase> cases = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int n = dims[0] * dims[1] * dims[2];
            float[] img = new float[n], lab = new float[n];
            for (int i = 0; i < n; i++) {
                img[i] = (float) rng.nextGaussian();
                lab[i] = i % 997 == 0 ? 1 : 0;
            }
            cases.add(PreparedCase.of("c" + c, new float[][] {img}, lab, dims, new int[] {1}));
        }
        for (boolean augment : new boolean[] {false, true}) {
            try (PatchLoader loader = new PatchLoader(
                    cases,
                    new int[] {p, p, p},
                    2,
                    augment,
                    new Augmenter(new boolean[] {true, true, true}, augment),
                    3,
                    threads)) {
                loader.batch(0);
                long t0 = System.nanoTime();
                for (int b = 1; b <= batches; b++) loader.batch(b);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        "{\"patch\": %d, \"threads\": %d, \"intensity_augmentation\": %s, \"patches_per_s\": %.1f}%n",
                        p, threads, augment, 2 * batches / s);
            }
        }
    }
}
