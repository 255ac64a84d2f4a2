package org.backsplit.cli;

import java.util.concurrent.Callable;
import org.backsplit.backend.Backend;
import org.backsplit.nn.UNetPlan;
import org.backsplit.train.StepTiming;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training-step timing of a U-Net on random data; bench/ has the JMH benchmarks and the PyTorch peers. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Times full training steps (forward, deep-supervised DC+CE, backward, clipping, SGD) of an nnU-Net U-Net on random data "
                + "and prints the median per phase. The same network as shared/reference/torch_unet_step.py; bench/train_step_cpu.sh and "
                + "bench/gpu/run.sh run both side by side.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--stages", defaultValue = "4", description = "default: ${DEFAULT-VALUE}")
    int stages;

    @Option(names = "--features", split = ",", defaultValue = "8,64", description = "first and largest width (default: ${DEFAULT-VALUE})")
    int[] features;

    @Option(names = "--patch", defaultValue = "32", description = "cubic patch edge (default: ${DEFAULT-VALUE})")
    int patch;

    @Option(names = "--batch", defaultValue = "2", description = "default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--classes", defaultValue = "4", description = "default: ${DEFAULT-VALUE}")
    int classes;

    @Option(names = "--steps", defaultValue = "10", description = "timed steps after 3 warm-up steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Mixin
    DeviceOptions devices;

    @Override
    public Integer call() {
        if (features.length != 2) throw new IllegalArgumentException("--features takes two widths: first,largest");
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1");
        Backend backend = devices.open();
        UNetPlan plan = UNetPlan.isotropic(1, classes, stages, features[0], features[1]);
        StepTiming.Result t = StepTiming.measure(backend, plan, patch, batch, steps);
        System.out.printf("U-Net %d stages %d..%d (%.2fM parameters), patch %d^3, batch %d, %d classes, on %s, median of %d steps:%n", stages, features[0],
                Math.min(features[1], features[0] << (stages - 1)), t.parameters() / 1e6, patch, batch, classes, backend.name(), steps);
        System.out.printf("%10s %10s %10s %10s %10s %10s%n", "step ms", "best ms", "forward", "loss", "backward", "optimizer");
        System.out.printf("%10.1f %10.1f %10.1f %10.1f %10.1f %10.1f%n", t.stepMs(), t.minMs(), t.forwardMs(), t.lossMs(), t.backwardMs(), t.optimizerMs());
        if (t.peakBytes() > 0) System.out.printf("peak device memory %.2f GiB%n", t.peakBytes() / (double) (1L << 30));
        return 0;
    }
}
