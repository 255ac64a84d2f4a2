package org.backsplit.train;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.optim.GradientClipping;
import org.backsplit.optim.Optimizer;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * Times full training steps (forward, deep-supervised DC+CE, backward, clipping, SGD) of a U-Net on random
 * data, phase by phase; the same network, loss and optimizer as shared/reference/torch_unet_step.py, so the
 * two can run side by side. GPU work is waited for at each phase boundary so the breakdown is real.
 */
public final class StepTiming {
    /** Medians in ms over the timed steps (after 3 warm-up steps), the fastest step, the last loss. */
    public record Result(double stepMs, double minMs, double forwardMs, double lossMs, double backwardMs, double optimizerMs, double loss, long peakBytes,
                         long parameters, int steps) {
    }

    private StepTiming() {
    }

    /**
     * @param patch cubic patch edge (the 2D U-Net: a square slice); the batch is random images with random labels
     *              of plan.numClasses(); the optimizer is the architecture's (SGD, or Adam for SegResNet)
     */
    public static Result measure(Backend backend, Architecture architecture, UNetPlan plan, int patch, int batch, int steps) {
        SegmentationNetwork net = architecture.build(backend, plan);
        Rng rng = new Rng(0);
        net.initialize(rng);
        Shape xs = Shape.ndhwc(batch, architecture == Architecture.UNET2D ? 1 : patch, patch, patch, plan.inputChannels());
        Shape ys = xs.withChannels(1);
        float[] x = new float[xs.size()], y = new float[ys.size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = rng.nextInt(plan.numClasses());
        List<double[]> times = new ArrayList<>();
        double lastLoss = 0;
        try (Tensor images = backend.upload(x, xs); Tensor labels = backend.upload(y, ys)) {
            DeepSupervisionLoss loss = new DeepSupervisionLoss(LossSpec.nnUNet(plan.numClasses(), true, -1));
            OptimizerConfig config = OptimizerConfig.forArchitecture(architecture);
            Optimizer optimizer = config.create();
            int warmup = Math.min(3, steps);
            for (int s = 0; s < warmup + steps; s++) {
                long t0 = System.nanoTime();
                List<Tensor> logits = net.forward(images);
                backend.synchronize();
                long t1 = System.nanoTime();
                DeepSupervisionLoss.Result r = loss.compute(backend, logits, labels);
                backend.synchronize();
                long t2 = System.nanoTime();
                logits.forEach(Tensor::close);
                net.backward(r.gradLogits());
                r.gradLogits().forEach(g -> {
                    if (g != null) g.close();
                });
                backend.synchronize();
                long t3 = System.nanoTime();
                GradientClipping.clip(net.parameters(), 12);
                optimizer.step(net.parameters(), config.initialLr());
                backend.synchronize();
                long t4 = System.nanoTime();
                lastLoss = r.loss();
                if (s >= warmup) times.add(new double[] {(t4 - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6});
            }
        }
        double[] med = new double[5];
        for (int k = 0; k < 5; k++) {
            final int kk = k;
            double[] col = times.stream().mapToDouble(t -> t[kk]).sorted().toArray();
            med[k] = col[col.length / 2];
        }
        double min = times.stream().mapToDouble(t -> t[0]).min().orElseThrow();
        return new Result(med[0], min, med[1], med[2], med[3], med[4], lastLoss, backend.peakBytesInUse(), net.parameterCount(), steps);
    }
}
