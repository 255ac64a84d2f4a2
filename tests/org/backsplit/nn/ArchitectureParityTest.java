package org.backsplit.nn;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.assertZeroUpToRounding;
import static org.backsplit.TestArrays.maxAbs;
import static org.backsplit.TestArrays.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.SafeTensors;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.tensor.Layouts;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The residual-encoder U-Net, the 2D U-Net and SegResNet against PyTorch re-implementations of nnU-Net's and MONAI's
 * networks (tests/fixtures/make_torch_networks_fixture.py, Debian's python3-torch): the state_dict loads by the
 * reference names (alias keys ignored), and logits of every head, the DC+CE loss and every parameter gradient agree.
 * Parameter counts of reference configurations equal PyTorch's.
 */
class ArchitectureParityTest {
    private static final double TOL = 1e-4;
    private static final Path DIR = Path.of("tests/resources/fixtures");
    private static final int[] ONE = {1, 1, 1};

    @Test
    void residualEncoderUNetMatchesNnUNets() throws Exception {
        // widths 4, 8, 8: stage 1's first block pools and projects (skip.1), stage 2's only pools
        UNetPlan plan = new UNetPlan(
                1,
                3,
                new int[] {4, 8, 8},
                new int[][] {{1, 3, 3}, {3, 3, 3}, {3, 3, 3}},
                new int[][] {ONE, {1, 2, 2}, {2, 2, 2}},
                new int[] {1, 3, 4},
                new int[] {1, 1});
        SegmentationNetwork net = compare(Architecture.RESENC, plan, "resenc");
        assertTrue(
                net.parameters().stream()
                        .anyMatch(p -> p.name().equals("encoder.stages.1.blocks.0.skip.1.conv.weight")),
                "the strided block's projection follows its pool");
        assertTrue(
                net.parameters().stream().noneMatch(p -> p.name().startsWith("encoder.stages.2.blocks.0.skip.")),
                "a strided block that keeps its width only pools");
        assertTrue(
                net.parameters().stream().noneMatch(p -> p.name().endsWith("skip.1.conv.bias")),
                "the projection has no bias");
    }

    @Test
    void twoDimensionalUNetMatchesNnUNets() throws Exception {
        Path weights = DIR.resolve("unet2d_state_dict.safetensors");
        Map<String, NamedTensor> sd = SafeTensors.read(weights).tensors();
        assertTrue(StateDict.isPlanar(sd));
        UNetPlan plan = StateDict.inferPlan(sd, weights);
        assertEquals(
                new UNetPlan(
                        1,
                        3,
                        new int[] {4, 8, 16},
                        new int[][] {{1, 3, 3}, {1, 3, 3}, {1, 3, 3}},
                        new int[][] {ONE, {1, 2, 2}, {1, 2, 2}},
                        new int[] {2, 2, 2},
                        new int[] {2, 2}),
                plan);
        compare(Architecture.UNET2D, plan, "unet2d"); // exported as nn.Conv2d's 4D layout, byte-identical
    }

    @Test
    void segResNetMatchesMonais() throws Exception {
        int[][] k3 = {{3, 3, 3}, {3, 3, 3}, {3, 3, 3}};
        UNetPlan plan = new UNetPlan(
                1,
                3,
                new int[] {8, 16, 32},
                k3,
                new int[][] {ONE, {2, 2, 2}, {2, 2, 2}},
                new int[] {1, 2, 1},
                new int[] {1, 1});
        compare(Architecture.SEGRESNET, plan, "segresnet");
    }

    /** Loads NAME_state_dict, runs NAME_io's input, and checks logits, loss and gradients. */
    private static SegmentationNetwork compare(Architecture a, UNetPlan plan, String name) throws Exception {
        Path weights = DIR.resolve(name + "_state_dict.safetensors");
        Map<String, NamedTensor> sd = SafeTensors.read(weights).tensors();
        CpuBackend cpu = new CpuBackend(2);
        SegmentationNetwork net = a.build(cpu, plan);
        StateDict.load(net.backend(), net.parameters(), sd, weights); // every reference key present, nothing left over
        for (NamedTensor t : StateDict.export(
                net.backend(), net.parameters())) { // and back: the reference's names, shapes and values
            assertEquals(sd.get(t.name()).shape(), t.shape(), name + " export " + t.name());
            assertArrayEquals(sd.get(t.name()).data(), t.data(), name + " export " + t.name());
        }

        Map<String, NamedTensor> io =
                SafeTensors.read(DIR.resolve(name + "_io.safetensors")).tensors();
        NamedTensor in = io.get("input");
        Shape xs = Layouts.ndhwcShape(in.shape());
        Tensor x = cpu.upload(Layouts.toChannelsLast(in.data(), in.shape()), xs);
        Tensor labels = cpu.upload(io.get("target").data(), xs.withChannels(1));
        List<Tensor> logits = net.forward(x);
        assertEquals(
                io.keySet().stream().filter(k -> k.startsWith("logits_")).count(), logits.size(), name + ": heads");
        for (int h = 0; h < logits.size(); h++) {
            NamedTensor expected = io.get("logits_" + h);
            assertEquals(expected.shape(), Layouts.ncdhwShape(logits.get(h).shape()));
            assertRelClose(
                    name + " logits_" + h,
                    toDouble(expected.data()),
                    toDouble(Layouts.toChannelsFirst(
                            cpu.download(logits.get(h)), logits.get(h).shape())),
                    TOL);
        }
        DeepSupervisionLoss.Result r =
                new DeepSupervisionLoss(LossSpec.nnUNet(3, false, -1)).compute(cpu, logits, labels);
        assertEquals(io.get("loss").data()[0], r.loss(), TOL * Math.abs(r.loss()), name + ": loss");

        net.backward(r.gradLogits());
        List<Parameter> grads = new ArrayList<>();
        for (Parameter p : net.parameters())
            if (p.grad() != null) grads.add(new Parameter(p.name(), p.grad(), p.layout()));
        List<NamedTensor> exported = StateDict.export(net.backend(), grads);
        double scale = 0;
        for (NamedTensor g : exported) scale = Math.max(scale, maxAbs(toDouble(g.data())));
        for (int i = 0; i < exported.size(); i++) {
            NamedTensor g = exported.get(i);
            NamedTensor expected = io.get("grad." + g.name());
            assertNotNull(expected, "PyTorch has a gradient for " + g.name());
            if (g.name().endsWith(".conv.bias")
                    && !net.isSegmentationHead(grads.get(i))) { // a bias before a norm: the true gradient is 0
                assertZeroUpToRounding("torch grad " + g.name(), toDouble(expected.data()), scale, 1e-6);
                assertZeroUpToRounding("grad " + g.name(), toDouble(g.data()), scale, 1e-6);
            } else {
                assertRelClose(name + " grad " + g.name(), toDouble(expected.data()), toDouble(g.data()), TOL);
            }
        }
        assertEquals(
                io.keySet().stream().filter(k -> k.startsWith("grad.")).count(),
                exported.size(),
                name + ": same set of gradients");
        return net;
    }

    /**
     * The paper's Tab. 1 sizes: the KiTS ResEnc U-Net (nnU-Net's M preset: 6 stages 32..320, blocks 1,3,4,6,6,6, four
     * classes) has 102.35M parameters and SegResNet with init_filters 32 18.79M; the 2D U-Net of a 512^2 slice (8
     * stages up to 512). Each equals the count of the PyTorch re-implementation.
     */
    @Test
    void parameterCountsEqualTheReferences() throws Exception {
        JsonNode counts = new ObjectMapper()
                .readTree(DIR.resolve("networks_param_counts.json").toFile());
        int[][] k3 = new int[6][], s2 = new int[6][];
        for (int i = 0; i < 6; i++) {
            k3[i] = new int[] {3, 3, 3};
            s2[i] = i == 0 ? ONE : new int[] {2, 2, 2};
        }
        long resenc = count(Architecture.RESENC, Architecture.RESENC.plan(1, 4, k3, s2, 32, 320));
        assertEquals(counts.get("resenc_kits_m").asLong(), resenc);
        assertEquals(102.35, Math.round(resenc / 1e4) / 100.0, 1e-9, "Tab. 1: 102.35M");
        long segresnet = count(Architecture.SEGRESNET, Architecture.SEGRESNET.plan(1, 4, null, null, 32, 32));
        assertEquals(counts.get("segresnet_32").asLong(), segresnet);
        assertEquals(18.79, Math.floor(segresnet / 1e4) / 100.0, 1e-9, "Tab. 1: 18.79M (18.796M, truncated)");
        int[][] k2 = new int[8][], st2 = new int[8][];
        for (int i = 0; i < 8; i++) {
            k2[i] = new int[] {1, 3, 3};
            st2[i] = i == 0 ? ONE : new int[] {1, 2, 2};
        }
        assertEquals(
                counts.get("unet2d_512").asLong(),
                count(Architecture.UNET2D, Architecture.UNET2D.plan(1, 4, k2, st2, 32, 512)));
    }

    /** Builds the network on a backend that only records shapes (no memory for 100M parameters) and counts. */
    private static long count(Architecture a, UNetPlan plan) {
        Backend shapesOnly = (Backend) Proxy.newProxyInstance(
                Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "zeros" -> new ShapeOnly((Shape) args[0]);
                    case "upload" -> new ShapeOnly((Shape) args[1]);
                    case "name" -> "shapes only";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return a.build(shapesOnly, plan).parameterCount();
    }

    private static final class ShapeOnly extends Tensor {
        ShapeOnly(Shape shape) {
            super(shape);
        }
    }
}
