package org.backsplit.cli;

import java.util.concurrent.Callable;
import org.backsplit.backend.Backend;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.UNetPlan;
import org.backsplit.train.StepTiming;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training-step timing of a U-Net on random data; bench/ has the JMH benchmarks and the PyTorch peers. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Times full training steps (forward, deep-supervised DC+CE, backward, clipping, optimizer) of a network (--arch) on random data "
                        + "and prints the median per phase. The same network as shared/reference/torch_unet_step.py; bench/train_step_cpu.sh and "
                        + "bench/gpu/run.sh run both side by side.")
final class BenchCommand implements Callable<Integer> {

    @Option(
            names = "--arch",
            defaultValue = "unet",
            description = "unet, resenc, segresnet (4 levels whatever --stages), unet2d or resenc2d "
                    + "(a square slice of --patch), swinunetr (its own topology; --features' first is the feature size) "
                    + "(default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--stages", defaultValue = "4", description = "default: ${DEFAULT-VALUE}")
    int stages;

    @Option(
            names = "--features",
            split = ",",
            description = "first and largest width (default: 8,64; 12,192 for swinunetr)")
    int[] features;

    @Option(names = "--patch", defaultValue = "32", description = "cubic patch edge (default: ${DEFAULT-VALUE})")
    int patch;

    @Option(names = "--batch", defaultValue = "2", description = "default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--classes", defaultValue = "4", description = "default: ${DEFAULT-VALUE}")
    int classes;

    @Option(
            names = "--steps",
            defaultValue = "10",
            description = "timed steps after 3 warm-up steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Mixin
    DeviceOptions devices;

    @Override
    public Integer call() {
        Architecture a = Architecture.ofShortName(arch);
        if (features == null) features = a == Architecture.SWINUNETR ? new int[] {12, 192} : new int[] {8, 64};
        if (features.length != 2) throw new IllegalArgumentException("--features takes two widths: first,largest");
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1");
        Backend backend = devices.open();
        boolean planar = a.planar();
        int[][] kernels = new int[stages][], strides = new int[stages][];
        for (int s = 0; s < stages; s++) {
            kernels[s] = planar ? new int[] {1, 3, 3} : new int[] {3, 3, 3};
            strides[s] = s == 0 ? new int[] {1, 1, 1} : planar ? new int[] {1, 2, 2} : new int[] {2, 2, 2};
        }
        UNetPlan plan = a.plan(1, classes, kernels, strides, features[0], features[1]);
        StepTiming.Result t = StepTiming.measure(backend, a, plan, patch, batch, steps);
        System.out.printf(
                "%s %d stages %s (%.2fM parameters), patch %s, batch %d, %d classes, on %s, median of %d steps:%n",
                a.checkpointName(),
                plan.stages(),
                java.util.Arrays.toString(plan.features()),
                t.parameters() / 1e6,
                planar ? patch + "^2" : patch + "^3",
                batch,
                classes,
                backend.name(),
                steps);
        System.out.printf(
                "%10s %10s %10s %10s %10s %10s%n", "step ms", "best ms", "forward", "loss", "backward", "optimizer");
        System.out.printf(
                "%10.1f %10.1f %10.1f %10.1f %10.1f %10.1f%n",
                t.stepMs(), t.minMs(), t.forwardMs(), t.lossMs(), t.backwardMs(), t.optimizerMs());
        if (t.peakBytes() > 0) System.out.printf("peak device memory %.2f GiB%n", t.peakBytes() / (double) (1L << 30));
        return 0;
    }
}
