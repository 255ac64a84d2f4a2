package org.backsplit.train;

import java.io.IOException;
import java.nio.file.Path;
import org.backsplit.backend.Backend;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.optim.Optimizer;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * nnU-Net's training iteration: a batch, forward, deep-supervised DC+CE, backward, gradient clipping, an optimizer step
 * at the poly learning rate of the current epoch. Everything random draws from one Rng whose state is checkpointed, so
 * a run resumed from a checkpoint continues exactly as if never interrupted.
 */
public final class Trainer {
    private final SegmentationNetwork net;
    private final TrainingConfig config;
    private final Optimizer optimizer;
    private final TrainingStep step;
    private final BatchSource data;
    private final Rng rng;
    private int epoch;
    private int iteration;

    private Trainer(
            SegmentationNetwork net,
            TrainingConfig config,
            Optimizer optimizer,
            BatchSource data,
            Rng rng,
            int epoch,
            int iteration) {
        this.net = net;
        this.config = config;
        this.optimizer = optimizer;
        this.step = new TrainingStep(net, new DeepSupervisionLoss(config.loss()), optimizer, config.gradClip());
        this.data = data;
        this.rng = rng;
        this.epoch = epoch;
        this.iteration = iteration;
    }

    /** A new run: He-initialised weights drawn from the run's seed. */
    public static Trainer start(SegmentationNetwork net, TrainingConfig config, BatchSource data) {
        Rng rng = new Rng(config.seed());
        net.initialize(rng);
        return new Trainer(net, config, config.optimizer().create(net.backend()), data, rng, 0, 0);
    }

    /** Continues the run saved in a checkpoint folder. */
    public static Trainer resume(Path checkpoint, Backend backend, BatchSource data) throws IOException {
        CheckpointState s = Checkpoint.readState(checkpoint);
        SegmentationNetwork net = Checkpoint.loadNetwork(checkpoint, backend);
        Optimizer opt = s.config().optimizer().create(net.backend());
        opt.restore(Checkpoint.readOptimizer(checkpoint, backend), s.optimizerSteps());
        return new Trainer(net, s.config(), opt, data, Rng.fromState(s.rng()), s.epoch(), s.iteration());
    }

    public void save(Path checkpoint) throws IOException {
        save(checkpoint, java.util.Map.of());
    }

    /** Saves the run; `extraFiles` (name -> text) are written inside the checkpoint folder, atomically with it. */
    public void save(Path checkpoint, java.util.Map<String, String> extraFiles) throws IOException {
        Checkpoint.save(
                checkpoint,
                net,
                optimizer.stateTensors(),
                new CheckpointState(
                        CheckpointState.FORMAT,
                        net.architecture().checkpointName(),
                        net.plan(),
                        config,
                        epoch,
                        iteration,
                        optimizer.steps(),
                        rng.state()),
                extraFiles);
    }

    public boolean finished() {
        return epoch >= config.epochs();
    }

    public double learningRate() {
        return config.optimizer().learningRate(epoch, config.epochs());
    }

    public StepResult step() {
        if (finished()) throw new IllegalStateException("training already finished " + config.epochs() + " epochs");
        Batch batch = data.next(net.backend(), rng, (long) epoch * config.iterationsPerEpoch() + iteration);
        double lr = learningRate();
        TrainingStep.Outcome o;
        try (Tensor images = batch.images();
                Tensor labels = batch.labels()) {
            o = step.run(images, labels, lr, TrainingStep.PhaseListener.NONE);
        }
        // loss and norm are read after the optimizer's kernels are queued: no wait inside the step
        DeepSupervisionLoss.Result r = o.loss();
        StepResult result = new StepResult(
                epoch,
                iteration,
                r.loss(),
                r.crossEntropy(),
                r.dice(),
                o.gradNorm().get(),
                lr);
        if (++iteration == config.iterationsPerEpoch()) {
            iteration = 0;
            epoch++;
        }
        return result;
    }

    public SegmentationNetwork network() {
        return net;
    }

    public TrainingConfig config() {
        return config;
    }

    public int epoch() {
        return epoch;
    }

    public int iteration() {
        return iteration;
    }
}
