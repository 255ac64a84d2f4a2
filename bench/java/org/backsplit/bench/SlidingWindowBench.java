package org.backsplit.bench;

import org.backsplit.backend.Backend;
import org.backsplit.backend.device.Devices;
import org.backsplit.infer.NetworkPredictor;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.infer.TilePredictor;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.util.Rng;

/**
 * Sliding-window throughput in voxels per second of the input volume: the demo-size U-Net (4 stages 8..64, 3 classes)
 * with 32^3 tiles at step 0.5 over a 96 x 96 x 64 volume, without and with 8-way mirroring, and the stitching alone (a
 * predictor that returns zeros) to show what the tiling itself costs. Usage: SlidingWindowBench DEVICE THREADS REPEATS
 */
public final class SlidingWindowBench {
    public static void main(String[] args) {
        Backend backend = Devices.open(args[0], Integer.parseInt(args[1]), System.err);
        int repeats = Integer.parseInt(args[2]);
        SegmentationNetwork net = Architecture.UNET.build(backend, UNetPlan.isotropic(1, 3, 4, 8, 64));
        Initialization.he(net.backend(), net.parameters(), new Rng(1), 0.01);
        int[] dims = {96, 96, 64}, tile = {32, 32, 32};
        Rng rng = new Rng(2);
        float[] img = new float[dims[0] * dims[1] * dims[2]];
        for (int i = 0; i < img.length; i++) img[i] = (float) rng.nextGaussian();
        TilePredictor zeros = new TilePredictor() {
            @Override
            public int classes() {
                return 3;
            }

            @Override
            public float[] predict(float[] channelsLast, int[] t) {
                return new float[t[0] * t[1] * t[2] * 3];
            }
        };
        run("stitching only", zeros, img, dims, tile, false, repeats, backend);
        run("network, no mirroring", new NetworkPredictor(net), img, dims, tile, false, repeats, backend);
        run("network, 8-way mirroring", new NetworkPredictor(net), img, dims, tile, true, repeats, backend);
    }

    private static void run(
            String what,
            TilePredictor p,
            float[] img,
            int[] dims,
            int[] tile,
            boolean mirror,
            int repeats,
            Backend backend) {
        SlidingWindow.predict(p, new float[][] {img}, dims, tile, 0.5, mirror); // warm-up
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            SlidingWindow.predict(p, new float[][] {img}, dims, tile, 0.5, mirror);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(
                "{\"what\": \"%s\", \"backend\": \"%s\", \"volume\": \"96x96x64\", \"tile\": 32, \"best_s\": %.3f, \"voxels_per_s\": %.0f}%n",
                what, backend.name(), best, img.length / best);
    }
}
