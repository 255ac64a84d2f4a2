package org.backsplit.cli;

import org.backsplit.backend.Backend;
import org.backsplit.backend.Precision;
import org.backsplit.backend.device.Devices;
import picocli.CommandLine.Option;

/** The options every command that computes shares: where to run, on how many CPU threads, in which precision. */
final class DeviceOptions {

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(
            names = "--precision",
            defaultValue = "fp32",
            description =
                    "convolution arithmetic: fp32, or on the GPU's tensor cores tf32 (inputs rounded to 10 mantissa bits, "
                            + "as PyTorch's allow_tf32) or bf16 (7 mantissa bits, as autocast's), both with fp32 "
                            + "accumulation; default ${DEFAULT-VALUE}")
    String precision;

    @Option(names = "--tf32", description = "the same as --precision tf32")
    boolean tf32;

    Backend open() {
        Precision chosen = tf32 ? Precision.TF32 : Precision.parse(precision);
        Backend backend = Devices.open(device, threads, chosen, System.err);
        if (chosen != Precision.FP32) System.err.println("convolutions in " + chosen);
        return backend;
    }
}
