package org.backsplit.bench;

import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.Precision;
import org.backsplit.backend.ProfilingBackend;
import org.backsplit.backend.device.Devices;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.train.OptimizerConfig;
import org.backsplit.train.StepTiming;
import org.backsplit.train.TrainingStep;
import org.backsplit.util.Rng;

/**
 * Times one full training step (forward, deep-supervised DC+CE, backward, clipping, SGD) of a U-Net on random data,
 * with a per-phase breakdown. Same network, loss and optimizer as shared/reference/torch_unet_step.py, so the two can
 * run side by side. Usage: TrainStepBench STAGES BASE CAP PATCH BATCH CLASSES THREADS STEPS [DEVICE: cpu (default) |
 * cuda] [PRECISION: fp32 (default) | tf32] Prints one JSON line; times are medians in ms.
 */
public final class TrainStepBench {

    public static void main(String[] args) {
        int stages = Integer.parseInt(args[0]), base = Integer.parseInt(args[1]), cap = Integer.parseInt(args[2]);
        int patch = Integer.parseInt(args[3]), batch = Integer.parseInt(args[4]), classes = Integer.parseInt(args[5]);
        int threads = Integer.parseInt(args[6]), steps = Integer.parseInt(args[7]);
        Precision precision = Precision.parse(args.length > 9 ? args[9] : "fp32");
        Backend backend = Devices.open(args.length > 8 ? args[8] : "cpu", threads, precision, System.err);
        UNetPlan plan = UNetPlan.isotropic(1, classes, stages, base, cap);
        StepTiming.Result t = StepTiming.measure(backend, Architecture.UNET, plan, patch, batch, steps);
        System.out.printf(
                "{\"peak_GiB\": %.2f, \"engine\": \"backsplit-java\", \"backend\": \"%s\", \"stages\": %d, \"features\": \"%d..%d\", \"patch\": %d, "
                        + "\"batch\": %d, \"classes\": %d, \"params_M\": %.2f, \"ms_step\": %.2f, \"min_ms\": %.2f, \"forward_ms\": %.2f, "
                        + "\"loss_ms\": %.2f, \"backward_ms\": %.2f, \"optimizer_ms\": %.2f, \"loss\": %.5f, \"steps\": %d}%n",
                t.peakBytes() / (double) (1L << 30),
                backend.name(),
                stages,
                base,
                Math.min(cap, base << (stages - 1)),
                patch,
                batch,
                classes,
                t.parameters() / 1e6,
                t.stepMs(),
                t.minMs(),
                t.forwardMs(),
                t.lossMs(),
                t.backwardMs(),
                t.optimizerMs(),
                t.loss(),
                steps);
        if (Double.isNaN(t.stepMs()) || Double.isNaN(t.loss())) System.exit(1);
        // One more run through a profiling wrapper: where the time goes, op by op (the same step, on the same data).
        ProfilingBackend profiled = new ProfilingBackend(backend);
        SegmentationNetwork net = Architecture.UNET.build(profiled, plan);
        net.initialize(new Rng(0));
        Shape xs = Shape.ndhwc(batch, patch, patch, patch, 1);
        Rng rng = new Rng(1);
        float[] x = new float[xs.size()], y = new float[xs.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
            y[i] = rng.nextInt(classes);
        }
        OptimizerConfig optimizer = OptimizerConfig.forArchitecture(Architecture.UNET);
        TrainingStep step = new TrainingStep(
                net, new DeepSupervisionLoss(LossSpec.nnUNet(classes, true, -1)), optimizer.create(profiled), 12);
        try (Tensor images = profiled.upload(x, xs);
                Tensor labels = profiled.upload(y, xs)) {
            for (int rep = 0; rep < 6; rep++) { // three passes warm up, three are reported
                if (rep == 3) profiled.reset();
                step.run(images, labels, optimizer.initialLr(), TrainingStep.PhaseListener.NONE)
                        .gradNorm()
                        .get();
            }
        }
        System.err.print("per-op breakdown of three steps (forward, loss, backward, clipping, optimizer; "
                + backend.name() + "):\n" + profiled.report());
    }
}
