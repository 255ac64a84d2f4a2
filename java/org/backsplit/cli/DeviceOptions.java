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
            converter = PrecisionConverter.class,
            description =
                    "convolution arithmetic: fp32, or tf32 on the GPU's tensor cores (inputs rounded to 10 mantissa bits, "
                            + "fp32 accumulation, as PyTorch's allow_tf32); default ${DEFAULT-VALUE}")
    Precision precision;

    @Option(names = "--tf32", description = "the same as --precision tf32")
    boolean tf32;

    Backend open() {
        Precision chosen = tf32 ? Precision.TF32 : precision;
        Backend backend = Devices.open(device, threads, chosen, System.err);
        if (chosen != Precision.FP32) System.err.println("convolutions in " + chosen);
        return backend;
    }

    static final class PrecisionConverter implements picocli.CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            return Precision.parse(value);
        }
    }
}
