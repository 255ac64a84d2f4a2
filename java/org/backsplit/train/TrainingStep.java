package org.backsplit.train;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.PendingScalar;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.optim.GradientClipping;
import org.backsplit.optim.Optimizer;
import org.backsplit.tensor.Tensor;

/**
 * One training iteration on a batch, the only place it is written: forward, deep-supervised DC+CE, backward, gradient
 * clipping, an optimizer step. The trainer runs it; the step benchmark runs it with a listener that waits for the
 * device at each phase's end, so its per-phase times are real.
 */
public final class TrainingStep {
    /** The parts of a step, in order. */
    public enum Phase {
        FORWARD,
        LOSS,
        BACKWARD,
        OPTIMIZER
    }

    /** Told when each phase's work has been issued (not finished: a GPU runs behind the host). */
    @FunctionalInterface
    public interface PhaseListener {
        PhaseListener NONE = phase -> {};

        void ended(Phase phase);
    }

    /** The loss terms and the gradient norm before clipping, both read when first asked for. */
    public record Outcome(DeepSupervisionLoss.Result loss, PendingScalar gradNorm) {}

    private final SegmentationNetwork net;
    private final DeepSupervisionLoss loss;
    private final Optimizer optimizer;
    private final double gradClip;

    public TrainingStep(SegmentationNetwork net, DeepSupervisionLoss loss, Optimizer optimizer, double gradClip) {
        this.net = net;
        this.loss = loss;
        this.optimizer = optimizer;
        this.gradClip = gradClip;
    }

    /** Runs one step at learning rate `lr`; the batch stays the caller's to close. */
    public Outcome run(Tensor images, Tensor labels, double lr, PhaseListener listener) {
        Backend backend = net.backend();
        List<Tensor> logits = net.forward(images);
        listener.ended(Phase.FORWARD);
        DeepSupervisionLoss.Result r = loss.compute(backend, logits, labels);
        listener.ended(Phase.LOSS);
        logits.forEach(Tensor::close);
        net.backward(r.gradLogits());
        for (Tensor g : r.gradLogits()) {
            if (g != null) g.close();
        }
        listener.ended(Phase.BACKWARD);
        PendingScalar norm = GradientClipping.clip(backend, net.parameters(), gradClip);
        optimizer.step(net.parameters(), lr);
        listener.ended(Phase.OPTIMIZER);
        return new Outcome(r, norm);
    }
}
