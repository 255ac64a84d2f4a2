package org.backsplit.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.Devices;
import org.backsplit.backend.ProfilingBackend;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.PlainConvUNet;
import org.backsplit.nn.UNetPlan;
import org.backsplit.optim.GradientClipping;
import org.backsplit.optim.Sgd;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * Times one full training step (forward, deep-supervised DC+CE, backward, clipping, SGD) of a U-Net on
 * random data, with a per-phase breakdown. Same network, loss and optimizer as
 * shared/reference/torch_unet_step.py, so the two can run side by side.
 * Usage: TrainStepBench STAGES BASE CAP PATCH BATCH CLASSES THREADS STEPS [DEVICE: cpu (default) | cuda]
 * Prints one JSON line; times are medians in ms.
 */
public final class TrainStepBench {

    /** GPU work is asynchronous: wait for it at each phase boundary so the breakdown is real. */
    private static void sync(Backend backend) {
        if (backend instanceof org.backsplit.backend.cuda.CudaBackend gpu) gpu.synchronize();
    }

    public static void main(String[] args) {
        int stages = Integer.parseInt(args[0]), base = Integer.parseInt(args[1]), cap = Integer.parseInt(args[2]);
        int patch = Integer.parseInt(args[3]), batch = Integer.parseInt(args[4]), classes = Integer.parseInt(args[5]);
        int threads = Integer.parseInt(args[6]), steps = Integer.parseInt(args[7]);
        Backend backend = Devices.open(args.length > 8 ? args[8] : "cpu", threads, System.err);
        PlainConvUNet net = new PlainConvUNet(backend, UNetPlan.isotropic(1, classes, stages, base, cap));
        Rng rng = new Rng(0);
        Initialization.he(net.parameters(), rng, 0.01);
        Shape xs = Shape.ndhwc(batch, patch, patch, patch, 1);
        float[] x = new float[xs.size()], y = new float[xs.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
            y[i] = rng.nextInt(classes);
        }
        Tensor images = backend.upload(x, xs), labels = backend.upload(y, xs);
        DeepSupervisionLoss loss = new DeepSupervisionLoss(LossSpec.nnUNet(classes, true, -1));
        Sgd sgd = Sgd.nnUNet();
        int warmup = Math.min(3, steps);
        List<double[]> times = new ArrayList<>();
        double lastLoss = 0;
        for (int s = 0; s < warmup + steps; s++) {
            long t0 = System.nanoTime();
            List<Tensor> logits = net.forward(images);
            sync(backend);
            long t1 = System.nanoTime();
            DeepSupervisionLoss.Result r = loss.compute(backend, logits, labels);
            sync(backend);
            long t2 = System.nanoTime();
            net.backward(r.gradLogits());
            sync(backend);
            long t3 = System.nanoTime();
            GradientClipping.clip(net.parameters(), 12);
            sgd.step(net.parameters(), 0.01);
            sync(backend);
            long t4 = System.nanoTime();
            lastLoss = r.loss();
            if (s >= warmup) times.add(new double[] {(t4 - t0) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6});
        }
        double[] med = new double[5];
        for (int k = 0; k < 5; k++) {
            final int kk = k;
            double[] col = times.stream().mapToDouble(t -> t[kk]).sorted().toArray();
            med[k] = col[col.length / 2];
        }
        double min = times.stream().mapToDouble(t -> t[0]).min().orElseThrow();
        long peak = backend instanceof org.backsplit.backend.cuda.CudaBackend gpu ? gpu.peakBytesInUse() : 0;
        System.out.printf("{\"peak_GiB\": %.2f, \"engine\": \"backsplit-java\", \"backend\": \"%s\", \"stages\": %d, \"features\": \"%d..%d\", \"patch\": %d, "
                        + "\"batch\": %d, \"classes\": %d, \"params_M\": %.2f, \"ms_step\": %.2f, \"min_ms\": %.2f, \"forward_ms\": %.2f, "
                        + "\"loss_ms\": %.2f, \"backward_ms\": %.2f, \"optimizer_ms\": %.2f, \"loss\": %.5f, \"steps\": %d}%n",
                peak / (double) (1L << 30), backend.name(), stages, base, Math.min(cap, base << (stages - 1)), patch, batch, classes, net.parameterCount() / 1e6,
                med[0], min, med[1], med[2], med[3], med[4], lastLoss, steps);
        if (Arrays.stream(med).anyMatch(Double::isNaN)) System.exit(1);
        // One more step through a profiling wrapper: where the time goes, op by op.
        ProfilingBackend profiled = new ProfilingBackend(backend);
        PlainConvUNet twin = new PlainConvUNet(profiled, net.plan());
        for (int i = 0; i < twin.parameters().size(); i++) twin.parameters().get(i).set(net.parameters().get(i).value());
        for (int rep = 0; rep < 2; rep++) { // the first pass warms up, the second is reported
            profiled.reset();
            List<Tensor> logits = twin.forward(images);
            DeepSupervisionLoss.Result r = loss.compute(profiled, logits, labels);
            twin.backward(r.gradLogits());
        }
        System.err.print("per-op breakdown of one step (forward, loss, backward; " + backend.name() + "):\n" + profiled.report());
    }
}
