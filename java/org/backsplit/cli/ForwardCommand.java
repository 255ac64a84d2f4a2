package org.backsplit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.backsplit.backend.Backend;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.Npy;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.tensor.Layouts;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a network on an input array and writes every head's logits, for parity checks against PyTorch. */
@Command(
        name = "forward",
        mixinStandardHelpOptions = true,
        description = "Runs a checkpoint's network on an N x C x D x H x W float32 .npy array and writes the logits of "
                + "every head as DIR/logits_0.npy (highest resolution) ... logits_k.npy, N x K x D x H x W.")
final class ForwardCommand implements Callable<Integer> {

    @Option(
            names = "--checkpoint",
            required = true,
            description =
                    "a checkpoint folder, or a bare .safetensors state_dict (nnU-Net names; the network is rebuilt from its shapes)")
    Path checkpoint;

    @Option(
            names = "--input",
            required = true,
            description = "input array (.npy, float32 or float64, N x C x D x H x W)")
    Path input;

    @Option(names = "--output", required = true, description = "folder for logits_*.npy")
    Path output;

    @picocli.CommandLine.Mixin
    DeviceOptions devices;

    @Override
    public Integer call() throws Exception {
        Backend backend = devices.open();
        SegmentationNetwork net = Checkpoint.loadNetwork(checkpoint, backend);
        NamedTensor x = Npy.read(input);
        if (x.shape().rank() != 5)
            throw new IllegalArgumentException(input + ": expected N x C x D x H x W, got shape " + x.shape());
        if (x.shape().dim(1) != net.plan().inputChannels()) {
            throw new IllegalArgumentException(input + ": has " + x.shape().dim(1) + " channels, the network takes "
                    + net.plan().inputChannels());
        }
        Shape xs = Layouts.ndhwcShape(x.shape());
        List<Tensor> logits = net.forward(backend.upload(Layouts.toChannelsLast(x.data(), x.shape()), xs));
        Files.createDirectories(output);
        for (int h = 0; h < logits.size(); h++) {
            Tensor t = logits.get(h);
            Npy.write(
                    output.resolve("logits_" + h + ".npy"),
                    Layouts.ncdhwShape(t.shape()),
                    Layouts.toChannelsFirst(backend.download(t), t.shape()));
        }
        System.out.println("wrote " + logits.size() + " logits arrays to " + output + " (" + backend.name() + ")");
        return 0;
    }
}
