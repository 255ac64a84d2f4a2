package org.backsplit.run;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.data.patch.Augmenter;
import org.backsplit.data.patch.PatchLoader;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.train.HardDice;

/**
 * nnU-Net's end-of-epoch check: the loss and the Dice of the argmax on validation patches (a third centred on the
 * targets), with true and false positives counted over all batches before dividing (its "pseudo Dice"). The batches are
 * the same every epoch (no augmentation, fixed seed), so epochs compare with each other.
 */
final class EpochValidation implements AutoCloseable {
    record Result(double loss, double[] dicePerClass) {}

    private final PatchLoader loader;
    private final DeepSupervisionLoss loss;
    private final int batches;

    EpochValidation(List<PreparedCase> cases, int[] patch, int batchSize, LossSpec spec, int batches, long seed) {
        this.loader = new PatchLoader(cases, patch, batchSize, false, new Augmenter(new boolean[3], false), seed, 1);
        this.loss = new DeepSupervisionLoss(spec);
        this.batches = batches;
    }

    Result measure(SegmentationNetwork net) {
        Backend backend = net.backend();
        int k = net.plan().numClasses();
        HardDice dice = new HardDice(k);
        double total = 0;
        for (int b = 0; b < batches; b++) {
            PatchLoader.HostBatch hb = loader.batch(b);
            int[] p = hb.patch();
            Shape shape = Shape.ndhwcOfXyz(hb.batchSize(), p, hb.channels());
            try (Tensor x = backend.upload(hb.images(), shape);
                    Tensor y = backend.upload(hb.labels(), shape.withChannels(1))) {
                List<Tensor> logits = net.forward(x);
                DeepSupervisionLoss.Result r = loss.compute(backend, logits, y);
                r.gradLogits().forEach(g -> {
                    if (g != null) g.close();
                });
                total += r.loss();
                float[] z = backend.download(logits.get(0));
                logits.forEach(Tensor::close);
                net.release();
                dice.add(z, hb.labels());
            }
        }
        return new Result(total / batches, dice.dice());
    }

    @Override
    public void close() {
        loader.close();
    }
}
