package org.backsplit.cli;

import org.backsplit.backend.Backend;
import org.backsplit.backend.Devices;
import picocli.CommandLine.Option;

/** The options every command that computes shares: where to run, and on how many CPU threads. */
final class DeviceOptions {

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    Backend open() {
        return Devices.open(device, threads, System.err);
    }
}
