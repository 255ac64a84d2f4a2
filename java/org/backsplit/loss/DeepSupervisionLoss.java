package org.backsplit.loss;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.LossTerms;
import org.backsplit.backend.PendingLoss;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Lazy;

/**
 * nnU-Net's deep supervision: the Dice + CE loss on every head against the labels resized to that head (nearest-exact),
 * weighted 1/2^i from the highest resolution down, the lowest-resolution head weighted 0, the weights normalised to sum
 * 1. A head of weight 0 is left out entirely, as nnU-Net's wrapper does.
 */
public final class DeepSupervisionLoss {
    private final LossSpec spec;

    public DeepSupervisionLoss(LossSpec spec) {
        this.spec = spec;
    }

    public LossSpec spec() {
        return spec;
    }

    /** The per-head weights for `heads` outputs. */
    public static double[] weights(int heads) {
        double[] w = new double[heads];
        double sum = 0;
        for (int i = 0; i < heads; i++) {
            w[i] = i == heads - 1 && heads > 1 ? 0 : 1.0 / (1 << i);
            sum += w[i];
        }
        for (int i = 0; i < heads; i++) w[i] /= sum;
        return w;
    }

    /**
     * @param logits every head's logits, highest resolution first
     * @param labels the full-resolution label map [N, D, H, W, 1]
     */
    public Result compute(Backend backend, List<Tensor> logits, Tensor labels) {
        double[] w = weights(logits.size());
        List<Tensor> grads = new ArrayList<>();
        List<LossResult> heads = new ArrayList<>();
        List<Double> headWeights = new ArrayList<>();
        for (int i = 0; i < logits.size(); i++) {
            if (w[i] == 0) {
                grads.add(null);
                continue;
            }
            Tensor z = logits.get(i);
            Tensor target =
                    i == 0 ? labels : backend.downsampleLabels(labels, z.shape().withChannels(1));
            LossResult r = backend.diceCrossEntropy(z, target, spec.withWeight(w[i]));
            if (target != labels) target.close();
            heads.add(r);
            headWeights.add(w[i]);
            grads.add(r.gradLogits());
        }
        // the weighted sums are formed when first read, so a GPU's loss values stay on the device until logged
        Supplier<LossTerms> terms = Lazy.of(() -> {
            double loss = 0, ce = 0, dice = 0;
            for (int h = 0; h < heads.size(); h++) {
                double wh = headWeights.get(h);
                loss += wh * heads.get(h).loss();
                ce += wh * heads.get(h).crossEntropy();
                dice += wh * heads.get(h).dice();
            }
            return new LossTerms(loss, ce, dice);
        });
        return new Result(terms, grads);
    }

    /** The weighted loss terms (read when first asked for) and each head's gradient (null for heads of weight 0). */
    public record Result(Supplier<LossTerms> terms, List<Tensor> gradLogits) implements PendingLoss {}
}
