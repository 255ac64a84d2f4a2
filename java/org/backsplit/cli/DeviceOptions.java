package org.backsplit.cli;

import org.backsplit.backend.Backend;
import org.backsplit.backend.Devices;
import org.backsplit.backend.cuda.CudaBackend;
import picocli.CommandLine.Option;

/** The options every command that computes shares: where to run, and on how many CPU threads. */
final class DeviceOptions {

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--tf32", description = "convolutions on the GPU's tensor cores in TF32 (inputs rounded to 10 mantissa bits, "
            + "fp32 accumulation, as PyTorch's allow_tf32); default fp32")
    boolean tf32;

    Backend open() {
        Backend backend = Devices.open(device, threads, System.err);
        if (tf32) {
            if (!(backend instanceof CudaBackend cuda)) {
                throw new IllegalArgumentException("--tf32 needs the CUDA backend; this run is on " + backend.name());
            }
            cuda.useTf32(true);
            System.err.println("convolutions in TF32");
        }
        return backend;
    }
}
