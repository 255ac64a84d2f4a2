package org.backsplit.nn;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.gaussian;
import static org.backsplit.TestArrays.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.backsplit.GradCheck;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.backend.reference.ReferenceBackend;
import org.backsplit.loss.DeepSupervisionLoss;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;
import org.junit.jupiter.api.Test;

class UNetTest {

    /** Three stages, one of them anisotropic ([1,3,3] kernel, [1,2,2] stride), two input channels. */
    static UNetPlan smallPlan(int classes) {
        return new UNetPlan(
                2,
                classes,
                new int[] {3, 4, 6},
                new int[][] {{1, 3, 3}, {3, 3, 3}, {3, 3, 3}},
                new int[][] {{1, 1, 1}, {1, 2, 2}, {2, 2, 2}},
                new int[] {2, 2, 1},
                new int[] {1, 2});
    }

    @Test
    void parameterCountMatchesNnUNet() {
        // PyTorch's count for nnU-Net's SegmentationNetwork, 1 input channel, 6 stages 32..320, 3x3x3 kernels.
        Backend cpu = new CpuBackend(1);
        assertEquals(
                31_197_204L,
                Architecture.UNET
                        .build(cpu, UNetPlan.isotropic(1, 4, 6, 32, 320))
                        .parameterCount());
        assertEquals(
                31_195_594L,
                Architecture.UNET
                        .build(cpu, UNetPlan.isotropic(1, 2, 6, 32, 320))
                        .parameterCount());
    }

    @Test
    void stateDictNamesFollowNnUNet() {
        SegmentationNetwork net = Architecture.UNET.build(new CpuBackend(1), UNetPlan.isotropic(1, 3, 3, 4, 8));
        List<String> names = net.parameters().stream().map(Parameter::name).toList();
        assertEquals("encoder.stages.0.0.convs.0.conv.weight", names.get(0));
        assertEquals("encoder.stages.0.0.convs.0.norm.bias", names.get(3));
        assertEquals(List.of(4, 1, 3, 3, 3), dims(net, "encoder.stages.0.0.convs.0.conv.weight"));
        assertEquals(List.of(8, 8, 2, 2, 2), dims(net, "decoder.transpconvs.0.weight"));
        assertEquals(List.of(4, 8, 3, 3, 3), dims(net, "decoder.stages.1.convs.0.conv.weight"));
        assertEquals(List.of(3, 4, 1, 1, 1), dims(net, "decoder.seg_layers.1.weight"));
    }

    private static List<Integer> dims(SegmentationNetwork net, String name) {
        Parameter p = net.parameters().stream()
                .filter(q -> q.name().equals(name))
                .findFirst()
                .orElseThrow();
        int[] d = p.layout().torch(p.value().shape()).dims();
        List<Integer> l = new ArrayList<>();
        for (int v : d) l.add(v);
        return l;
    }

    @Test
    void headsComeHighestResolutionFirst() {
        SegmentationNetwork net = Architecture.UNET.build(new CpuBackend(2), smallPlan(3));
        List<Tensor> out = net.forward(net.backend().zeros(Shape.ndhwc(1, 4, 8, 8, 2)));
        assertEquals(Shape.ndhwc(1, 4, 8, 8, 3), out.get(0).shape());
        assertEquals(Shape.ndhwc(1, 4, 4, 4, 3), out.get(1).shape());
    }

    /** The whole network's loss, with deep supervision and an ignore label, by finite differences. */
    @Test
    void wholeUNetGradientByFiniteDifferences() {
        ReferenceBackend ref = new ReferenceBackend();
        SegmentationNetwork net = Architecture.UNET.build(ref, smallPlan(3));
        Initialization.he(net.backend(), net.parameters(), new Rng(5), 0.01);
        Random rnd = new Random(31);
        List<Parameter> params = net.parameters();
        for (Parameter p : params) { // non-trivial norm affines and biases
            if (p.layout() == TorchLayout.SAME) {
                double[] v = ref.downloadExact(p.value());
                for (int i = 0; i < v.length; i++) v[i] += 0.3 * rnd.nextGaussian();
                p.set(ref.uploadExact(v, p.value().shape()));
            }
        }
        Shape xs = Shape.ndhwc(2, 2, 8, 4, 2);
        Tensor x = ref.uploadExact(gaussian(rnd, xs.size(), 1), xs);
        Tensor y = ref.uploadExact(labels(rnd, xs.size() / 2, 3, 5, 0.1), xs.withChannels(1));
        DeepSupervisionLoss loss = new DeepSupervisionLoss(LossSpec.nnUNet(3, false, 5));

        double[][] values = new double[params.size()][];
        for (int i = 0; i < values.length; i++)
            values[i] = ref.downloadExact(params.get(i).value());
        GradCheck.Fn f = in -> {
            for (int i = 0; i < in.length; i++)
                params.get(i).set(ref.uploadExact(in[i], params.get(i).value().shape()));
            return loss.compute(ref, net.forward(x), y).loss();
        };
        f.value(values);
        DeepSupervisionLoss.Result r = loss.compute(ref, net.forward(x), y);
        net.backward(r.gradLogits());
        double[][] analytic = new double[params.size()][];
        for (int i = 0; i < analytic.length; i++) {
            Parameter p = params.get(i);
            analytic[i] = p.grad() == null ? new double[values[i].length] : ref.downloadExact(p.grad());
        }
        // The lowest-resolution head has loss weight 0: no gradient, and the loss must not depend on it.
        assertNull(params.stream()
                .filter(p -> p.name().equals("decoder.seg_layers.0.weight"))
                .findFirst()
                .orElseThrow()
                .grad());
        GradCheck.check("U-Net loss", f, values, analytic, 12, 32, 2e-6);
    }

    /** The float CPU backend through the whole network against the double reference. */
    @Test
    void cpuNetworkMatchesReference() {
        ReferenceBackend ref = new ReferenceBackend();
        CpuBackend cpu = new CpuBackend(3);
        UNetPlan plan = smallPlan(4);
        SegmentationNetwork a = Architecture.UNET.build(ref, plan), b = Architecture.UNET.build(cpu, plan);
        Initialization.he(a.backend(), a.parameters(), new Rng(7), 0.01);
        for (int i = 0; i < a.parameters().size(); i++) {
            b.parameters()
                    .get(i)
                    .set(cpu.upload(
                            ref.download(a.parameters().get(i).value()),
                            a.parameters().get(i).value().shape()));
        }
        Random rnd = new Random(33);
        Shape xs = Shape.ndhwc(2, 4, 8, 8, 2);
        float[] x = toFloat(gaussian(rnd, xs.size(), 1)), lab = toFloat(labels(rnd, xs.size() / 2, 4, -1, 0));
        DeepSupervisionLoss loss = new DeepSupervisionLoss(LossSpec.nnUNet(4, true, -1));
        List<Tensor> za = a.forward(ref.upload(x, xs)), zb = b.forward(cpu.upload(x, xs));
        for (int h = 0; h < za.size(); h++) {
            assertRelClose("logits " + h, ref.downloadExact(za.get(h)), cpu.downloadExact(zb.get(h)), 1e-5);
        }
        DeepSupervisionLoss.Result ra = loss.compute(ref, za, ref.upload(lab, xs.withChannels(1)));
        DeepSupervisionLoss.Result rb = loss.compute(cpu, zb, cpu.upload(lab, xs.withChannels(1)));
        assertEquals(ra.loss(), rb.loss(), 1e-5);
        a.backward(ra.gradLogits());
        b.backward(rb.gradLogits());
        double largest = 0; // the network's gradient scale
        for (Parameter p : a.parameters())
            if (p.grad() != null)
                largest = Math.max(largest, org.backsplit.TestArrays.maxAbs(ref.downloadExact(p.grad())));
        for (int i = 0; i < a.parameters().size(); i++) {
            Parameter pa = a.parameters().get(i), pb = b.parameters().get(i);
            if (pa.grad() == null) {
                assertNull(pb.grad());
                continue;
            }
            if (pa.name().endsWith(".conv.bias")) { // followed by instance norm: the true gradient is exactly 0
                org.backsplit.TestArrays.assertZeroUpToRounding(
                        pa.name(), ref.downloadExact(pa.grad()), largest, 1e-12);
                org.backsplit.TestArrays.assertZeroUpToRounding(pa.name(), cpu.downloadExact(pb.grad()), largest, 1e-6);
            } else {
                assertRelClose(pa.name(), ref.downloadExact(pa.grad()), cpu.downloadExact(pb.grad()), 2e-4);
            }
        }
    }

    @Test
    void torchLayoutRoundTrip() {
        Random rnd = new Random(34);
        Shape torch = new Shape(4, 3, 1, 2, 3);
        float[] w = toFloat(gaussian(rnd, torch.size(), 1));
        Shape torch2d = new Shape(4, 3, 2, 3);
        for (TorchLayout l : TorchLayout.values()) {
            Shape t = l == TorchLayout.CONV_2D || l == TorchLayout.CONV_TRANSPOSE_2D
                    ? torch2d
                    : l == TorchLayout.LINEAR ? new Shape(4, 18) : torch; // nn.Linear [out, in]
            Shape ours = l.ours(t);
            assertEquals(t, l.torch(ours));
            assertArrayEquals(w, l.toTorch(l.fromTorch(w, t), ours));
        }
        // a Conv2d weight [K, C, kh, kw] runs as [K, 1, kh, kw, C]: element [k=3, c=1, r=1, s=0] lands at [3, 0, 1, 0,
        // 1]
        assertEquals(new Shape(4, 1, 2, 3, 3), TorchLayout.CONV_2D.ours(torch2d));
        float[] ours2d = TorchLayout.CONV_2D.fromTorch(w, torch2d);
        assertEquals(w[((3 * 3 + 1) * 2 + 1) * 3 + 0], ours2d[((3 * 2 + 1) * 3 + 0) * 3 + 1]);
        // element [k=1, c=2, t=0, r=1, s=2] of a conv weight lands at [1, 0, 1, 2, 2]
        float[] ours = TorchLayout.CONV.fromTorch(w, torch);
        assertEquals(w[(((1 * 3 + 2) * 1 + 0) * 2 + 1) * 3 + 2], ours[(((1 * 1 + 0) * 2 + 1) * 3 + 2) * 3 + 2]);
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) d[i];
        return f;
    }
}
