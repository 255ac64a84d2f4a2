package org.backsplit.nn;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.assertZeroUpToRounding;
import static org.backsplit.TestArrays.maxAbs;
import static org.backsplit.TestArrays.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.SafeTensors;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.optim.GradientClipping;
import org.backsplit.optim.Sgd;
import org.backsplit.tensor.Layouts;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Against values PyTorch produced (tests/fixtures/make_torch_unet_fixture.py, Debian's python3-torch): a state_dict
 * with nnU-Net's names and PyTorch's alias keys, the logits of every head, the deep-supervision DC+CE loss with an
 * ignore label, every parameter gradient, and the parameters after two clipped SGD steps.
 */
class PyTorchParityTest {
    private static final double TOL = 1e-4;
    private static final Path DIR = Path.of("tests/resources/fixtures");

    @Test
    void matchesPyTorch() throws Exception {
        Path weights = DIR.resolve("unet_state_dict.safetensors");
        Map<String, NamedTensor> sd = SafeTensors.read(weights).tensors();
        assertTrue(sd.keySet().stream().anyMatch(k -> k.contains(".all_modules.")), "fixture carries alias keys");
        UNetPlan plan = StateDict.inferPlan(sd, weights);
        assertEquals(
                new UNetPlan(
                        2,
                        3,
                        new int[] {4, 8, 16},
                        new int[][] {{1, 3, 3}, {3, 3, 3}, {3, 3, 3}},
                        new int[][] {{1, 1, 1}, {1, 2, 2}, {2, 2, 2}},
                        new int[] {2, 2, 2},
                        new int[] {2, 2}),
                plan);

        CpuBackend cpu = new CpuBackend(2);
        SegmentationNetwork net = Architecture.UNET.build(cpu, plan);
        StateDict.load(net.backend(), net.parameters(), sd, weights);

        Map<String, NamedTensor> io =
                SafeTensors.read(DIR.resolve("unet_io.safetensors")).tensors();
        NamedTensor in = io.get("input");
        Shape xs = Layouts.ndhwcShape(in.shape());
        Tensor x = cpu.upload(Layouts.toChannelsLast(in.data(), in.shape()), xs);
        Tensor labels = cpu.upload(io.get("target").data(), xs.withChannels(1));
        DeepSupervisionLoss loss = new DeepSupervisionLoss(LossSpec.nnUNet(3, false, 3));

        List<Tensor> logits = net.forward(x);
        for (int h = 0; h < logits.size(); h++) {
            NamedTensor expected = io.get("logits_" + h);
            assertEquals(expected.shape(), Layouts.ncdhwShape(logits.get(h).shape()));
            assertRelClose(
                    "logits_" + h,
                    toDouble(expected.data()),
                    toDouble(Layouts.toChannelsFirst(
                            cpu.download(logits.get(h)), logits.get(h).shape())),
                    TOL);
        }
        DeepSupervisionLoss.Result r = loss.compute(cpu, logits, labels);
        assertEquals(io.get("loss").data()[0], r.loss(), TOL * Math.abs(r.loss()));

        net.backward(r.gradLogits());
        List<NamedTensor> grads = StateDict.export(net.backend(), gradsAsParameters(net));
        double scale = 0;
        for (NamedTensor g : grads) scale = Math.max(scale, maxAbs(toDouble(g.data())));
        int compared = 0;
        for (NamedTensor g : grads) {
            NamedTensor expected = io.get("grad." + g.name());
            assertNotNull(expected, "PyTorch has a gradient for " + g.name());
            if (g.name().endsWith(".conv.bias")) { // followed by instance norm: the true gradient is exactly 0
                assertZeroUpToRounding("torch grad " + g.name(), toDouble(expected.data()), scale, 1e-6);
                assertZeroUpToRounding("grad " + g.name(), toDouble(g.data()), scale, 1e-6);
            } else {
                assertRelClose("grad " + g.name(), toDouble(expected.data()), toDouble(g.data()), TOL);
            }
            compared++;
        }
        assertEquals(
                io.keySet().stream().filter(k -> k.startsWith("grad.")).count(), compared, "same set of gradients");

        Sgd sgd = Sgd.nnUNet(net.backend());
        GradientClipping.clip(net.backend(), net.parameters(), 12);
        sgd.step(net.parameters(), 0.01);
        DeepSupervisionLoss.Result r2 = loss.compute(cpu, net.forward(x), labels);
        assertEquals(io.get("loss_step2").data()[0], r2.loss(), TOL * Math.abs(r2.loss()));
        net.backward(r2.gradLogits());
        GradientClipping.clip(net.backend(), net.parameters(), 12);
        sgd.step(net.parameters(), 0.01);
        for (NamedTensor p : StateDict.export(net.backend(), net.parameters())) {
            assertRelClose(
                    "after SGD " + p.name(),
                    toDouble(io.get("after_sgd." + p.name()).data()),
                    toDouble(p.data()),
                    TOL);
        }
    }

    /** The gradients, wrapped as parameters so they convert to PyTorch's layout the same way. */
    private static List<Parameter> gradsAsParameters(SegmentationNetwork net) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : net.parameters()) {
            if (p.grad() != null) out.add(new Parameter(p.name(), p.grad(), p.layout()));
        }
        return out;
    }

    @Test
    void exportedStateDictRoundTrips() throws Exception {
        Path weights = DIR.resolve("unet_state_dict.safetensors");
        Map<String, NamedTensor> sd = SafeTensors.read(weights).tensors();
        SegmentationNetwork net = Architecture.UNET.build(new CpuBackend(1), StateDict.inferPlan(sd, weights));
        StateDict.load(net.backend(), net.parameters(), sd, weights);
        for (NamedTensor t : StateDict.export(net.backend(), net.parameters())) {
            assertArrayEquals(sd.get(t.name()).data(), t.data(), t.name());
        }
    }
}
