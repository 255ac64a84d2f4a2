package org.backsplit.train;

import org.backsplit.backend.Backend;
import org.backsplit.data.patch.PatchLoader;
import org.backsplit.tensor.Shape;
import org.backsplit.util.Rng;

/** Training batches from a prefetching {@link PatchLoader}, uploaded to the training backend. */
public final class PatchBatchSource implements BatchSource {
    private final PatchLoader loader;

    public PatchBatchSource(PatchLoader loader) {
        this.loader = loader;
    }

    @Override
    public Batch next(Backend backend, Rng rng, long step) {
        PatchLoader.HostBatch b = loader.batch(step);
        int[] p = b.patch();
        Shape images = Shape.ndhwcOfXyz(b.batchSize(), p, b.channels());
        return new Batch(backend.upload(b.images(), images), backend.upload(b.labels(), images.withChannels(1)));
    }
}
