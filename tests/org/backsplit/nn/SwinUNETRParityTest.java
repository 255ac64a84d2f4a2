package org.backsplit.nn;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.reference.ReferenceBackend;
import org.backsplit.io.FormatException;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.SafeTensors;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.tensor.Layouts;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * SwinUNETR against a PyTorch re-implementation of MONAI's (tests/fixtures/reference_swin_unetr.py, made by
 * make_swin_unetr_fixture.py with Debian's python3-torch): feature size 12, 2 classes, a 64^3 input. The weights are a
 * formula both sides compute; the state_dict's keys and shapes (buffers included) are PyTorch's, the logits, the DC+CE
 * loss and every parameter's gradient (its sum of squares and up to 512 values) agree to 1e-4, and the parameter counts
 * of MONAI's default and the paper's configurations equal the reference's.
 */
class SwinUNETRParityTest {
    private static final Path DIR = Path.of("tests/resources/fixtures");
    private static final double TOL = 1e-4;
    private static final int D = 32, H = 32, W = 64, SAMPLES = 512, LOGIT_STRIDE = 13, INDEX_STRIDE = 97;

    /** make_swin_unetr_fixture.py's unit(i, j): the same integers, the same doubles. */
    static double unit(long i, long j) {
        return ((i * 7919 + j * 104729 + 17) % 2003) / 2003.0 * 2 - 1;
    }

    private static JsonNode manifest() throws Exception {
        return new ObjectMapper()
                .readTree(DIR.resolve("swin_unetr_manifest.json").toFile());
    }

    /** The fixture's weights in PyTorch's names and shapes, and the network's buffers. */
    private static Map<String, NamedTensor> formulaStateDict(JsonNode manifest, SwinUNETR net) {
        Map<String, NamedTensor> buffers = new LinkedHashMap<>();
        for (NamedTensor b : net.buffers()) buffers.put(b.name(), b);
        Map<String, NamedTensor> sd = new LinkedHashMap<>();
        int j = 0;
        for (JsonNode entry : manifest.get("state_dict")) {
            String name = entry.get(0).asText();
            int[] dims = new int[entry.get(1).size()];
            for (int a = 0; a < dims.length; a++) dims[a] = entry.get(1).get(a).asInt();
            Shape shape = new Shape(dims);
            if (buffers.containsKey(name)) {
                sd.put(name, buffers.get(name));
                continue;
            }
            float[] v = new float[shape.size()];
            for (int i = 0; i < v.length; i++) {
                double u = unit(i, j);
                double value;
                if (name.endsWith("relative_position_bias_table")) value = 0.06 * u;
                else if (name.contains("norm") && name.endsWith("weight")) value = 1 + 0.2 * u;
                else if (name.endsWith("bias")) value = 0.1 * u;
                else value = u / Math.sqrt((double) v.length / dims[0]);
                v[i] = (float) value;
            }
            sd.put(name, new NamedTensor(name, shape, v));
            j++;
        }
        return sd;
    }

    @Test
    void matchesMonaisSwinUNETR() throws Exception {
        JsonNode manifest = manifest();
        Map<String, NamedTensor> io =
                SafeTensors.read(DIR.resolve("swin_unetr_io.safetensors")).tensors();
        ReferenceBackend ref = new ReferenceBackend();
        SwinUNETR net = new SwinUNETR(ref, SwinUNETR.plan(1, 2, 12));
        assertEquals(manifest.get("param_count_feature_12").asLong(), net.parameterCount());

        // MONAI's relative_position_index, as PyTorch computed it
        float[] index = net.buffers().get(0).data(),
                expected = io.get("relative_position_index_samples").data();
        for (int k = 0; k < expected.length; k++) assertEquals(expected[k], index[k * INDEX_STRIDE], "index " + k);

        // the state_dict: exactly PyTorch's keys and shapes, both ways
        Map<String, NamedTensor> sd = formulaStateDict(manifest, net);
        Map<String, Shape> ours = new LinkedHashMap<>();
        for (NamedTensor t : StateDict.export(net)) ours.put(t.name(), t.shape());
        Map<String, Shape> torch = new LinkedHashMap<>();
        sd.forEach((k, v) -> torch.put(k, v.shape()));
        assertEquals(new TreeSet<>(torch.keySet()), new TreeSet<>(ours.keySet()));
        torch.forEach((k, s) -> assertEquals(s, ours.get(k), k));
        Path file = DIR.resolve("swin_unetr_io.safetensors");
        StateDict.load(net, sd, file); // nothing missing, nothing left over

        List<Tensor> logits = net.forward(ref.upload(input(), XS));
        checkLogits(io, ref, logits);
        DeepSupervisionLoss.Result r =
                new DeepSupervisionLoss(LossSpec.nnUNet(2, false, -1)).compute(ref, logits, ref.upload(labels(), XS));
        assertEquals(io.get("loss").data()[0], r.loss(), TOL * Math.abs(r.loss()), "loss");
        net.backward(r.gradLogits());
        List<Parameter> grads = new ArrayList<>();
        for (Parameter p : net.parameters()) grads.add(new Parameter(p.name(), p.grad(), p.layout()));
        for (NamedTensor g : StateDict.export(ref, grads)) {
            NamedTensor want = io.get("grad_samples." + g.name());
            assertNotNull(want, "PyTorch has a gradient for " + g.name());
            int n = g.data().length;
            float[] got = new float[want.data().length];
            double sq = 0;
            for (int k = 0; k < got.length; k++) got[k] = g.data()[n <= SAMPLES ? k : (int) ((long) k * n / SAMPLES)];
            for (float v : g.data()) sq += (double) v * v;
            assertRelClose("grad " + g.name(), toDouble(want.data()), toDouble(got), TOL);
            double wantSq = io.get("grad_sumsq." + g.name()).data()[0];
            assertEquals(wantSq, sq, 2 * TOL * wantSq, "grad " + g.name() + ": sum of squares");
        }

        // the float32 CPU backend with the same weights: logits and loss
        CpuBackend cpu = new CpuBackend(2);
        SwinUNETR fast = new SwinUNETR(cpu, SwinUNETR.plan(1, 2, 12));
        StateDict.load(fast, sd, file);
        List<Tensor> fastLogits = fast.forward(cpu.upload(input(), XS));
        checkLogits(io, cpu, fastLogits);
        double fastLoss = new DeepSupervisionLoss(LossSpec.nnUNet(2, false, -1))
                .compute(cpu, fastLogits, cpu.upload(labels(), XS))
                .loss();
        assertEquals(io.get("loss").data()[0], fastLoss, TOL * Math.abs(fastLoss), "float32 loss");
        fast.release();
        cpu.close();
    }

    private static final Shape XS = Shape.ndhwc(1, D, H, W, 1);

    private static float[] input() {
        float[] x = new float[XS.size()];
        for (int i = 0; i < x.length; i++) x[i] = (float) unit(i, 3);
        return x;
    }

    private static float[] labels() {
        float[] labels = new float[XS.size()];
        for (int i = 0; i < labels.length; i++) {
            int z = i / (H * W), y = i / W % H, w = i % W;
            labels[i] = (z * 3 + y * 5 + w * 7) % 11 < 4 ? 1 : 0;
        }
        return labels;
    }

    private static void checkLogits(Map<String, NamedTensor> io, Backend backend, List<Tensor> logits) {
        float[] channelsFirst = Layouts.toChannelsFirst(
                backend.download(logits.get(0)), logits.get(0).shape());
        float[] sampled = new float[(channelsFirst.length + LOGIT_STRIDE - 1) / LOGIT_STRIDE];
        double sumsq = 0;
        for (int i = 0; i < channelsFirst.length; i++) {
            sumsq += (double) channelsFirst[i] * channelsFirst[i];
            if (i % LOGIT_STRIDE == 0) sampled[i / LOGIT_STRIDE] = channelsFirst[i];
        }
        assertRelClose(
                backend.name() + " logits", toDouble(io.get("logits_samples").data()), toDouble(sampled), TOL);
        double want = io.get("logits_sumsq").data()[0];
        assertEquals(want, sumsq, TOL * want, backend.name() + " logits' sum of squares");
    }

    @Test
    void parameterCountsEqualTheReferences() throws Exception {
        JsonNode manifest = manifest();
        assertEquals(manifest.get("param_count_default").asLong(), count(SwinUNETR.plan(1, 2, 24)));
        long paper = count(SwinUNETR.plan(1, 14, 48));
        assertEquals(manifest.get("param_count_paper_48_14_classes").asLong(), paper);
        assertEquals(62.19, Math.round(paper / 1e4) / 100.0, 1e-9, "MONAI's published 62.19M");
    }

    private static long count(UNetPlan plan) {
        CpuBackend cpu = new CpuBackend(1);
        try {
            return new SwinUNETR(cpu, plan).parameterCount();
        } finally {
            cpu.close();
        }
    }

    /** A bare state_dict in safetensors (as MONAI's weights would be converted) loads with no architecture flag. */
    @Test
    void aBareStateDictLoadsAsSwinUNETR(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        CpuBackend cpu = new CpuBackend(1);
        SwinUNETR net = new SwinUNETR(cpu, SwinUNETR.plan(2, 3, 24));
        net.initialize(new org.backsplit.util.Rng(5));
        Path file = dir.resolve("swin_unetr.safetensors");
        StateDict.save(net, file, Map.of());
        SegmentationNetwork loaded = org.backsplit.train.Checkpoint.loadNetwork(file, cpu);
        assertEquals(Architecture.SWINUNETR, loaded.architecture());
        assertEquals(net.plan(), loaded.plan());
        for (int i = 0; i < net.parameters().size(); i++)
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    cpu.download(net.parameters().get(i).value()),
                    cpu.download(loaded.parameters().get(i).value()),
                    net.parameters().get(i).name());
    }

    @Test
    void aRelativePositionIndexForAnotherWindowIsRefused() {
        CpuBackend cpu = new CpuBackend(1);
        SwinUNETR net = new SwinUNETR(cpu, SwinUNETR.plan(1, 2, 12));
        Map<String, NamedTensor> sd = new LinkedHashMap<>();
        for (NamedTensor t : StateDict.export(net)) sd.put(t.name(), t);
        NamedTensor b = net.buffers().get(0);
        float[] wrong = b.data().clone();
        wrong[5] += 1;
        sd.put(b.name(), new NamedTensor(b.name(), b.shape(), wrong));
        FormatException e =
                assertThrows(FormatException.class, () -> StateDict.load(net, sd, Path.of("x.safetensors")));
        assertEquals(true, e.getMessage().contains("relative_position_index"), e.getMessage());
    }
}
