package org.backsplit.backend.device;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.io.Npy;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.Initialization;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Runs a small U-Net's forward pass on the CPU device and writes the logits: run by {@link ScalarFallbackTest} in a JVM
 * started without the Vector API, and in the test's own JVM with it.
 */
public final class ScalarFallbackMain {
    private ScalarFallbackMain() {}

    public static void main(String[] args) throws Exception {
        Backend a = Devices.open("cpu", 2, System.err), b = Devices.open("cpu", 2, System.err); // told once, not twice
        if (a.getClass() != b.getClass()) throw new AssertionError("one CPU path per process");
        Npy.write(Path.of(args[0]), new Shape(logits(a).length), logits(a));
        System.out.println(a.name());
    }

    static float[] logits(Backend backend) {
        UNetPlan plan = UNetPlan.isotropic(1, 3, 3, 4, 16);
        SegmentationNetwork net = Architecture.UNET.build(backend, plan);
        Initialization.he(backend, net.parameters(), new org.backsplit.util.Rng(7), 0.01);
        Shape shape = Shape.ndhwc(1, 8, 8, 8, 1);
        float[] x = new float[(int) shape.numel()];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(0.37 * i);
        List<Tensor> out = net.forward(backend.upload(x, shape));
        return backend.download(out.get(0));
    }
}
