package org.backsplit.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * MONAI's SegResNet (Myronenko 2018, without the VAE branch), with MONAI's module names: convInit.conv (3x3x3, no
 * bias); down_layers.i = [stride-2 conv (i > 0; index 0), ResBlocks 1..]; per decoder level i up_samples.i.0.conv
 * (1x1x1, halving the width, no bias) then trilinear upsampling by the stride (align_corners = False), plus the
 * encoder's output at that level, then up_layers.i ResBlocks; conv_final = GroupNorm (index 0), ReLU, 1x1x1 conv with
 * bias (index 2). A ResBlock is pre-activation: x + conv2(relu(norm2(conv1(relu(norm1(x)))))), group norm with 8
 * groups. One output, no deep supervision.
 *
 * <p>The plan gives the widths (init_filters * 2^i), blocks_down (convsPerEncoderStage), blocks_up
 * (convsPerDecoderStage), the kernels of each level and the strides of the down convolutions (2 in MONAI).
 */
public final class SegResNet implements SegmentationNetwork {
    public static final int GROUPS = 8;

    private final Backend backend;
    private final UNetPlan plan;
    private final Conv3d convInit;
    private final List<Layer> downLayers = new ArrayList<>();
    private final List<Conv3d> upConvs = new ArrayList<>();
    private final List<Layer> upLayers = new ArrayList<>();
    private final GroupNormAct finalNorm;
    private final Conv3d head;
    private final List<Parameter> parameters = new ArrayList<>();
    /** What the last forward keeps for backward, all ours to close. */
    private Tensor init;

    private final List<Tensor> down = new ArrayList<>();
    private final List<Tensor> upConvOut = new ArrayList<>();
    private final List<Tensor> sums = new ArrayList<>();
    private final List<Tensor> up = new ArrayList<>();
    private Tensor features;

    public SegResNet(Backend backend, UNetPlan plan) {
        this.backend = backend;
        this.plan = plan;
        int n = plan.stages();
        int[] f = plan.features();
        for (int s = 0; s < n; s++) {
            if (f[s] % GROUPS != 0)
                throw new IllegalArgumentException("SegResNet widths must be multiples of " + GROUPS + ": " + f[s]);
        }
        int[] one = {1, 1, 1};
        convInit = new Conv3d(
                backend,
                "convInit.conv.",
                plan.inputChannels(),
                f[0],
                plan.kernels()[0],
                one,
                false,
                TorchLayout.CONV,
                false);
        for (int s = 0; s < n; s++) {
            List<Layer> layer = new ArrayList<>();
            if (s > 0) {
                layer.add(new Conv3d(
                        backend,
                        "down_layers." + s + ".0.conv.",
                        f[s - 1],
                        f[s],
                        plan.kernels()[s],
                        plan.strides()[s],
                        false,
                        TorchLayout.CONV,
                        true));
            }
            for (int j = 0; j < plan.convsPerEncoderStage()[s]; j++)
                layer.add(resBlock("down_layers." + s + "." + (j + 1) + ".", f[s], plan.kernels()[s]));
            downLayers.add(layer.isEmpty() ? null : new Sequential(layer));
        }
        for (int i = 0; i < n - 1; i++) {
            int level = n - 2 - i; // the encoder level this decoder level returns to
            upConvs.add(new Conv3d(
                    backend,
                    "up_samples." + i + ".0.conv.",
                    f[level + 1],
                    f[level],
                    one,
                    one,
                    false,
                    TorchLayout.CONV,
                    true));
            List<Layer> blocks = new ArrayList<>();
            for (int j = 0; j < plan.convsPerDecoderStage()[i]; j++)
                blocks.add(resBlock("up_layers." + i + "." + j + ".", f[level], plan.kernels()[level]));
            upLayers.add(blocks.isEmpty() ? null : new Sequential(blocks));
        }
        finalNorm = new GroupNormAct(backend, "conv_final.0.", f[0], GROUPS, true);
        head = new Conv3d(
                backend, "conv_final.2.conv.", f[0], plan.numClasses(), one, one, true, TorchLayout.CONV, true);
        // state_dict order: convInit, down_layers, up_layers, up_samples, conv_final (MONAI's registration order)
        convInit.collect(parameters);
        for (Layer l : downLayers) if (l != null) l.collect(parameters);
        for (Layer l : upLayers) if (l != null) l.collect(parameters);
        for (Conv3d c : upConvs) c.collect(parameters);
        finalNorm.collect(parameters);
        head.collect(parameters);
    }

    private Layer resBlock(String prefix, int channels, int[] kernel) {
        int[] one = {1, 1, 1};
        return new Residual(
                backend,
                new Sequential(List.of(
                        new GroupNormAct(backend, prefix + "norm1.", channels, GROUPS, true),
                        new Conv3d(
                                backend,
                                prefix + "conv1.conv.",
                                channels,
                                channels,
                                kernel,
                                one,
                                false,
                                TorchLayout.CONV,
                                true),
                        new GroupNormAct(backend, prefix + "norm2.", channels, GROUPS, true),
                        new Conv3d(
                                backend,
                                prefix + "conv2.conv.",
                                channels,
                                channels,
                                kernel,
                                one,
                                false,
                                TorchLayout.CONV,
                                true))));
    }

    @Override
    public Architecture architecture() {
        return Architecture.SEGRESNET;
    }

    @Override
    public UNetPlan plan() {
        return plan;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public List<Parameter> parameters() {
        return Collections.unmodifiableList(parameters);
    }

    /** PyTorch's default initialisation, which MONAI keeps ({@link Initialization#pyTorchDefaults}). */
    @Override
    public void initialize(Rng rng) {
        Initialization.pyTorchDefaults(backend, parameters, rng);
    }

    @Override
    public boolean isSegmentationHead(Parameter p) {
        return p.name().startsWith("conv_final.2.");
    }

    @Override
    public List<Tensor> forward(Tensor x) {
        release();
        int n = plan.stages();
        init = convInit.forward(x);
        Tensor cur = init;
        for (int s = 0; s < n; s++) {
            cur = downLayers.get(s) == null ? cur : downLayers.get(s).forward(cur);
            down.add(cur);
        }
        for (int i = 0; i < n - 1; i++) {
            int level = n - 2 - i;
            Tensor reduced = upConvs.get(i).forward(cur);
            upConvOut.add(reduced);
            Tensor upsampled = backend.upsampleTrilinear(reduced, plan.strides()[level + 1]);
            Tensor sum = backend.add(upsampled, down.get(level));
            upsampled.close();
            sums.add(sum);
            cur = upLayers.get(i) == null ? sum : upLayers.get(i).forward(sum);
            up.add(cur);
        }
        features = finalNorm.forward(cur);
        return List.of(head.forward(features));
    }

    @Override
    public void backward(List<Tensor> gradLogits) {
        int n = plan.stages();
        if (gradLogits.size() != 1 || gradLogits.get(0) == null)
            throw new IllegalArgumentException("SegResNet has one head");
        if (features == null) throw new IllegalStateException("backward without a forward");
        Tensor dFeatures = head.backward(gradLogits.get(0));
        Tensor d = finalNorm.backward(dFeatures);
        dFeatures.close();
        Tensor[] dDown = new Tensor[n];
        for (int i = n - 2; i >= 0; i--) {
            int level = n - 2 - i;
            Tensor dSum = d;
            if (upLayers.get(i) != null) {
                dSum = upLayers.get(i).backward(d);
                d.close();
            }
            dDown[level] = dSum; // the addition passes the gradient to the skip unchanged...
            Tensor dReduced = backend.upsampleTrilinearBackward(
                    dSum, plan.strides()[level + 1], upConvOut.get(i).shape());
            d = upConvs.get(i).backward(dReduced); // ...and through the upsampling to the level below
            dReduced.close();
        }
        // d is now the gradient of the deepest encoder output; walk the encoder back up, adding each skip's share
        for (int s = n - 1; s >= 0; s--) {
            if (s < n - 1) {
                Tensor total = backend.add(d, dDown[s]);
                d.close();
                dDown[s].close();
                d = total;
            }
            if (downLayers.get(s) != null) {
                Tensor dIn = downLayers.get(s).backward(d);
                d.close();
                d = dIn;
            }
        }
        Tensor none = convInit.backward(d); // the image needs no gradient
        if (none != null) none.close();
        d.close();
        release();
    }

    @Override
    public Tensor finalFeatures() {
        if (features == null) throw new IllegalStateException("no forward yet");
        return features;
    }

    @Override
    public void release() {
        List<Tensor> all = new ArrayList<>();
        if (init != null) all.add(init);
        all.addAll(down);
        all.addAll(upConvOut);
        all.addAll(sums);
        all.addAll(up);
        if (features != null) all.add(features);
        // a level without blocks passes its input on as its output: close each tensor once
        java.util.Set<Tensor> once = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Tensor t : all) if (once.add(t)) t.close();
        init = null;
        features = null;
        down.clear();
        upConvOut.clear();
        sums.clear();
        up.clear();
    }
}
