package org.backsplit.train;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.optim.Optimizer;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * Times full training steps (forward, deep-supervised DC+CE, backward, clipping, SGD) of a U-Net on random data, phase
 * by phase; the same network, loss and optimizer as shared/reference/torch_unet_step.py, so the two can run side by
 * side. GPU work is waited for at each phase boundary so the breakdown is real.
 */
public final class StepTiming {
    /** Medians in ms over the timed steps (after 3 warm-up steps), the fastest step, the last loss. */
    public record Result(
            double stepMs,
            double minMs,
            double forwardMs,
            double lossMs,
            double backwardMs,
            double optimizerMs,
            double loss,
            long peakBytes,
            long parameters,
            int steps) {}

    private StepTiming() {}

    /**
     * @param patch cubic patch edge (the 2D U-Net: a square slice); the batch is random images with random labels of
     *     plan.numClasses(); the optimizer is the architecture's (SGD, or Adam for SegResNet)
     */
    public static Result measure(
            Backend backend, Architecture architecture, UNetPlan plan, int patch, int batch, int steps) {
        SegmentationNetwork net = architecture.build(backend, plan);
        Rng rng = new Rng(0);
        net.initialize(rng);
        Shape xs = Shape.ndhwc(batch, architecture.planar() ? 1 : patch, patch, patch, plan.inputChannels());
        Shape ys = xs.withChannels(1);
        float[] x = new float[xs.size()], y = new float[ys.size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(plan.numClasses());
        List<double[]> times = new ArrayList<>();
        double lastLoss = 0;
        try (Tensor images = backend.upload(x, xs);
                Tensor labels = backend.upload(y, ys)) {
            OptimizerConfig config = OptimizerConfig.forArchitecture(architecture);
            Optimizer optimizer = config.create(backend);
            TrainingStep step = new TrainingStep(
                    net, new DeepSupervisionLoss(LossSpec.nnUNet(plan.numClasses(), true, -1)), optimizer, 12);
            int warmup = Math.min(3, steps);
            for (int s = 0; s < warmup + steps; s++) {
                long[] ends = new long[TrainingStep.Phase.values().length + 1];
                ends[0] = System.nanoTime();
                TrainingStep.Outcome o = step.run(images, labels, config.initialLr(), phase -> {
                    backend.synchronize(); // each phase's own time, not the time to issue it
                    ends[phase.ordinal() + 1] = System.nanoTime();
                });
                lastLoss = o.loss().loss();
                if (s >= warmup) {
                    double[] t = new double[ends.length];
                    t[0] = (ends[ends.length - 1] - ends[0]) / 1e6;
                    for (int k = 1; k < ends.length; k++) t[k] = (ends[k] - ends[k - 1]) / 1e6;
                    times.add(t);
                }
            }
        }
        double[] med = new double[5];
        for (int k = 0; k < 5; k++) {
            final int kk = k;
            double[] col = times.stream().mapToDouble(t -> t[kk]).sorted().toArray();
            med[k] = col[col.length / 2];
        }
        double min = times.stream().mapToDouble(t -> t[0]).min().orElseThrow();
        return new Result(
                med[0],
                min,
                med[1],
                med[2],
                med[3],
                med[4],
                lastLoss,
                backend.peakBytesInUse(),
                net.parameterCount(),
                steps);
    }
}
