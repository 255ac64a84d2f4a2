package org.backsplit.data.patch;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.backsplit.util.Rng;

/**
 * Training batches from prepared cases, made on background threads ahead of the trainer: each batch picks cases
 * uniformly, samples patches (the last third on foreground), rotates and scales them (optionally), augments their
 * intensities, mirrors them and lays them out channels-last, [N, D, H, W, C] with (D, H, W) = (z, y, x). Batch `step`
 * draws all its randomness from a generator seeded by (seed, step), so batches are the same whatever the thread timing,
 * and a run resumed at step k gets the batches of an uninterrupted run.
 */
public final class PatchLoader implements AutoCloseable {
    /** One batch on the host: images [N, D, H, W, C] and labels [N, D, H, W]. */
    public record HostBatch(long step, float[] images, float[] labels, int batchSize, int[] patch, int channels) {}

    private final List<PreparedCase> cases;
    private final PatchSampler sampler;
    private final SpatialAugment spatial;
    private final Augmenter augmenter;
    private final int[] patch;
    private final int batchSize;
    private final long seed;
    private final int ahead;
    private final ExecutorService pool;
    private final ArrayDeque<Future<HostBatch>> queue = new ArrayDeque<>();
    private long nextToQueue = -1;

    /** @param spatialAugmentation rotation and scaling as nnU-Net (patches are then cut larger and transformed) */
    public PatchLoader(
            List<PreparedCase> cases,
            int[] patch,
            int batchSize,
            boolean spatialAugmentation,
            Augmenter augmenter,
            long seed,
            int threads) {
        if (cases.isEmpty()) throw new IllegalArgumentException("no training cases");
        this.cases = List.copyOf(cases);
        this.patch = patch.clone();
        this.spatial = spatialAugmentation ? new SpatialAugment(patch) : null;
        this.sampler = new PatchSampler(spatial == null ? patch : spatial.initial());
        this.augmenter = augmenter;
        this.batchSize = batchSize;
        this.seed = seed;
        this.ahead = 2 * threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "backsplit-loader");
            t.setDaemon(true);
            return t;
        });
    }

    /** The batch of a step; the next ones are already being made. */
    public synchronized HostBatch batch(long step) {
        if (queue.isEmpty() || nextToQueue - queue.size() != step) { // first call, or a jump (resume): start over
            queue.forEach(f -> f.cancel(true));
            queue.clear();
            nextToQueue = step;
        }
        while (queue.size() < ahead) {
            long s = nextToQueue++;
            queue.add(pool.submit(() -> make(s)));
        }
        try {
            return queue.poll().get();
        } catch (Exception e) {
            throw new IllegalStateException("making the batch of step " + step + " failed: " + e.getCause(), e);
        }
    }

    /** Makes the batch of a step on the calling thread (what the background threads run). */
    public HostBatch make(long step) {
        Rng rng = new Rng(seed * 0x9E3779B97F4A7C15L + step);
        int channels = cases.get(0).channels().length, voxels = patch[0] * patch[1] * patch[2];
        float[] images = new float[batchSize * voxels * channels], labels = new float[batchSize * voxels];
        for (int j = 0; j < batchSize; j++) {
            PreparedCase c = cases.get(rng.nextInt(cases.size()));
            float[][] p = sampler.extract(c, sampler.corner(c, PatchSampler.forceForeground(j, batchSize), rng));
            if (spatial != null) p = spatial.apply(p, rng);
            float[][] ch = java.util.Arrays.copyOf(p, channels);
            float[] lab = p[channels];
            augmenter.apply(ch, lab, patch, rng);
            for (int v = 0; v < voxels; v++) {
                for (int k = 0; k < channels; k++) images[(j * voxels + v) * channels + k] = ch[k][v];
                labels[j * voxels + v] = lab[v];
            }
        }
        return new HostBatch(step, images, labels, batchSize, patch, channels);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
