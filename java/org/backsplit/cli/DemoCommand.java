package org.backsplit.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.backsplit.demo.Demo;
import org.backsplit.nn.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The demo on its embedded default: no arguments needed. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Generates a synthetic abdomen dataset whose lesions have look-alikes (spleen, vessels), trains a binary and a BackSplit "
                        + "U-Net with equal budgets, evaluates both on held-out cases, prints the table and the paired comparison, and writes an HTML "
                        + "report. About ten minutes on two CPU cores. Re-running reuses what is done; an interrupted run continues.")
final class DemoCommand implements Callable<Integer> {

    @Option(
            names = "--out",
            defaultValue = "backsplit-demo",
            description = "working folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--epochs", description = "epochs per model (default: the embedded default's)")
    Integer epochs;

    @Option(names = "--iterations", description = "iterations per epoch (default: the embedded default's)")
    Integer iterations;

    @Option(names = "--training-cases", description = "synthetic training cases (default: the embedded default's)")
    Integer trainingCases;

    @Option(names = "--test-cases", description = "synthetic held-out cases (default: the embedded default's)")
    Integer testCases;

    @Option(
            names = "--anatomy",
            description = "build the cases from a real MRI (Colin27 and the AAL atlas of Debian's mricron-data, "
                    + "fetched with apt-get download when missing) instead of the synthetic abdomen")
    boolean anatomy;

    @Option(
            names = "--arch",
            defaultValue = "unet",
            description = "the network both models use: unet, resenc, segresnet, unet2d, resenc2d or swinunetr "
                    + "(feature size 12, its smallest) (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(
            names = "--seed",
            description =
                    "draws the synthetic cases and the training (default: the embedded default's); another seed is "
                            + "another replicate of the whole experiment, in another --out")
    Long seed;

    @Option(
            names = "--lr",
            description =
                    "initial learning rate of both models (default: the network's: 0.01 with SGD, 1e-4 with Adam for "
                            + "segresnet, 8e-4 with AdamW for swinunetr); the folder keeps one setting, so use another --out to compare")
    Double lr;

    @Mixin
    DeviceOptions devices;

    @Override
    public Integer call() throws Exception {
        Demo.Options d = anatomy ? Demo.Options.anatomy(out) : Demo.Options.defaults(out);
        Architecture a = Architecture.ofShortName(arch);
        Demo.Options.Builder b = d.toBuilder().architecture(a).learningRate(lr);
        if (a == Architecture.SWINUNETR)
            b.features(new int[] {12, 192}); // the demo's widths start at 8; Swin needs 12s
        if (trainingCases != null) b.trainingCases(trainingCases);
        if (testCases != null) b.testCases(testCases);
        if (seed != null) b.seed(seed);
        if (epochs != null) b.epochs(epochs);
        if (iterations != null) b.iterationsPerEpoch(iterations);
        Demo.Options o = b.build();
        Demo.Outcome r = Demo.run(o, devices.open(), System.out);
        System.out.println();
        System.out.print(r.table());
        System.out.printf("%nreport: %s%nwall time: %.0f s%n", r.report().toAbsolutePath(), r.seconds());
        return 0;
    }
}
