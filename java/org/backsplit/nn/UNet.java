package org.backsplit.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * nnU-Net's U-Nets from dynamic_network_architectures, with the same module trees so their parameters carry the same
 * state_dict names: an encoder, either PlainConvUNet's (encoder.stages.s.0.convs.j.{conv,norm}) or
 * ResidualEncoderUNet's (encoder.stem.convs.0, then encoder.stages.s.blocks.j of {@link BasicBlockD}), and the
 * UNetDecoder both share: decoder.transpconvs.s, decoder.stages.s.convs.j.{conv,norm}, decoder.seg_layers.s. The
 * decoder concatenates (upsampled, skip) in that order and has a 1x1x1 head on every stage (deep supervision). A 2D
 * U-Net is the plain one with kernels and strides 1 along depth and nn.Conv2d's layouts.
 */
public final class UNet implements SegmentationNetwork {
    private final Architecture architecture;
    private final Backend backend;
    private final UNetPlan plan;
    private final List<Layer> encoder;
    private final List<BasicBlockD> residualBlocks;
    private final List<ConvTranspose3d> transpconvs = new ArrayList<>();
    private final List<Layer> decoder = new ArrayList<>();
    private final List<Conv3d> segLayers = new ArrayList<>();
    private final List<Parameter> parameters = new ArrayList<>();
    /** Activations of the last forward that backward still needs: encoder outputs, concatenations, decoder outputs. */
    private final List<Tensor> skips = new ArrayList<>();

    private final List<Tensor> ups = new ArrayList<>();
    private final List<Tensor> cats = new ArrayList<>();
    private final List<Tensor> decoded = new ArrayList<>();

    /** nnU-Net's PlainConvUNet: convsPerEncoderStage convolutions per stage; 2D with planar (nn.Conv2d layouts). */
    public static UNet plain(Backend backend, UNetPlan plan, boolean planar) {
        TorchLayout layout = planar ? TorchLayout.CONV_2D : TorchLayout.CONV;
        List<Layer> encoder = new ArrayList<>();
        int in = plan.inputChannels();
        for (int s = 0; s < plan.stages(); s++) {
            encoder.add(StackedConvBlocks.of(
                    backend,
                    "encoder.stages." + s + ".0.",
                    plan.convsPerEncoderStage()[s],
                    in,
                    plan.features()[s],
                    plan.kernels()[s],
                    plan.strides()[s],
                    layout,
                    s > 0));
            in = plan.features()[s];
        }
        return new UNet(planar ? Architecture.UNET2D : Architecture.UNET, backend, plan, encoder, List.of(), planar);
    }

    /**
     * nnU-Net's ResidualEncoderUNet: a stem convolution to the first width, then convsPerEncoderStage BasicBlockD per
     * stage (the stride in each stage's first block), and the plain decoder with convsPerDecoderStage convolutions per
     * stage.
     */
    public static UNet residualEncoder(Backend backend, UNetPlan plan, boolean planar) {
        TorchLayout layout = planar ? TorchLayout.CONV_2D : TorchLayout.CONV;
        List<Layer> encoder = new ArrayList<>();
        List<BasicBlockD> blocks = new ArrayList<>();
        int in = plan.features()[0];
        Layer stem = StackedConvBlocks.of(
                backend,
                "encoder.stem.",
                1,
                plan.inputChannels(),
                in,
                plan.kernels()[0],
                new int[] {1, 1, 1},
                layout,
                false);
        for (int s = 0; s < plan.stages(); s++) {
            List<Layer> stage = new ArrayList<>();
            if (s == 0) stage.add(stem);
            for (int j = 0; j < plan.convsPerEncoderStage()[s]; j++) {
                BasicBlockD b = new BasicBlockD(
                        backend,
                        "encoder.stages." + s + ".blocks." + j + ".",
                        j == 0 ? in : plan.features()[s],
                        plan.features()[s],
                        plan.kernels()[s],
                        j == 0 ? plan.strides()[s] : new int[] {1, 1, 1},
                        true,
                        layout);
                blocks.add(b);
                stage.add(b);
            }
            encoder.add(new Sequential(stage));
            in = plan.features()[s];
        }
        return new UNet(planar ? Architecture.RESENC2D : Architecture.RESENC, backend, plan, encoder, blocks, planar);
    }

    private UNet(
            Architecture architecture,
            Backend backend,
            UNetPlan plan,
            List<Layer> encoder,
            List<BasicBlockD> residualBlocks,
            boolean planar) {
        this.architecture = architecture;
        this.backend = backend;
        this.plan = plan;
        this.encoder = List.copyOf(encoder);
        this.residualBlocks = List.copyOf(residualBlocks);
        int n = plan.stages();
        int[] f = plan.features();
        TorchLayout conv = planar ? TorchLayout.CONV_2D : TorchLayout.CONV;
        for (int s = 0; s < n - 1; s++) {
            int below = f[n - 1 - s], skip = f[n - 2 - s];
            transpconvs.add(new ConvTranspose3d(
                    backend,
                    "decoder.transpconvs." + s + ".",
                    below,
                    skip,
                    plan.strides()[n - 1 - s],
                    planar ? TorchLayout.CONV_TRANSPOSE_2D : TorchLayout.CONV_TRANSPOSE));
            decoder.add(StackedConvBlocks.of(
                    backend,
                    "decoder.stages." + s + ".",
                    plan.convsPerDecoderStage()[s],
                    2 * skip,
                    skip,
                    plan.kernels()[n - 2 - s],
                    new int[] {1, 1, 1},
                    conv,
                    true));
            segLayers.add(new Conv3d(
                    backend,
                    "decoder.seg_layers." + s + ".",
                    skip,
                    plan.numClasses(),
                    new int[] {1, 1, 1},
                    new int[] {1, 1, 1},
                    true,
                    conv,
                    true));
        }
        // state_dict order: encoder, then decoder.stages, decoder.transpconvs, decoder.seg_layers (module registration
        // order)
        for (Layer e : this.encoder) e.collect(parameters);
        for (Layer d : decoder) d.collect(parameters);
        for (ConvTranspose3d t : transpconvs) t.collect(parameters);
        for (Conv3d h : segLayers) h.collect(parameters);
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    /** nnU-Net's InitWeights_He(1e-2), and for the residual encoder init_last_bn_before_add_to_0. */
    @Override
    public void initialize(Rng rng) {
        Initialization.he(backend, parameters, rng, 0.01);
        for (BasicBlockD b : residualBlocks) b.zeroLastNorm();
    }

    @Override
    public boolean isSegmentationHead(Parameter p) {
        return p.name().startsWith("decoder.seg_layers.");
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

    /** The logits of every head, highest resolution first (as nnU-Net returns them). */
    @Override
    public List<Tensor> forward(Tensor x) {
        int n = plan.stages();
        checkInput(x.shape());
        release();
        for (Layer e : encoder) {
            x = e.forward(x);
            skips.add(x);
        }
        List<Tensor> outputs = new ArrayList<>();
        Tensor lres = skips.get(n - 1);
        for (int s = 0; s < n - 1; s++) {
            Tensor up = transpconvs.get(s).forward(lres);
            Tensor cat = backend.concatChannels(up, skips.get(n - 2 - s));
            ups.add(up); // the concatenation may read it in place: closed with it
            cats.add(cat);
            lres = decoder.get(s).forward(cat);
            decoded.add(lres);
            outputs.add(segLayers.get(s).forward(lres));
        }
        Collections.reverse(outputs);
        return outputs;
    }

    private void checkInput(org.backsplit.tensor.Shape s) {
        int[] total = plan.totalStride();
        int[] size = {s.d(), s.h(), s.w()};
        if (s.rank() != 5 || s.c() != plan.inputChannels()) {
            throw new IllegalArgumentException("input " + s + " is not [N, D, H, W, " + plan.inputChannels() + "]");
        }
        for (int a = 0; a < 3; a++) {
            if (size[a] % total[a] != 0) {
                throw new IllegalArgumentException("input size " + java.util.Arrays.toString(size)
                        + " is not divisible by the network's total stride " + java.util.Arrays.toString(total));
            }
        }
    }

    /**
     * Backpropagates dL/d(logits) of every head (highest resolution first, null where a head's loss weight is 0) and
     * leaves each parameter's gradient in {@link Parameter#grad()} (null for a head outside the loss).
     */
    @Override
    public void backward(List<Tensor> gradLogits) {
        int n = plan.stages();
        if (gradLogits.size() != n - 1) throw new IllegalArgumentException("expected " + (n - 1) + " head gradients");
        if (skips.isEmpty()) throw new IllegalStateException("backward without a forward");
        Tensor[] skipGrads = new Tensor[n - 1];
        Tensor dLres = null;
        for (int s = n - 2; s >= 0; s--) {
            Tensor dHead = gradLogits.get(n - 2 - s);
            Tensor dx = dLres;
            if (dHead != null) {
                Tensor g = segLayers.get(s).backward(dHead);
                if (dx == null) {
                    dx = g;
                } else {
                    dx = backend.add(dLres, g);
                    dLres.close();
                    g.close();
                }
            }
            // else: as in PyTorch, a head outside the loss gets no gradient, and the optimizer skips it
            if (dx == null) throw new IllegalStateException("no gradient reaches decoder stage " + s);
            Tensor dCat = decoder.get(s).backward(dx);
            dx.close();
            decoded.get(s).close();
            cats.get(s).close();
            ups.get(s).close();
            int upChannels = plan.features()[n - 2 - s];
            Tensor[] parts = backend.splitChannels(dCat, upChannels);
            dCat.close();
            skipGrads[n - 2 - s] = parts[1];
            dLres = transpconvs.get(s).backward(parts[0]);
            parts[0].close();
        }
        Tensor dOut = dLres;
        for (int s = n - 1; s >= 0; s--) {
            Tensor dIn = encoder.get(s).backward(dOut);
            dOut.close();
            skips.get(s).close();
            if (s > 0) {
                dOut = backend.add(dIn, skipGrads[s - 1]);
                dIn.close();
                skipGrads[s - 1].close();
            }
        }
        skips.clear();
        ups.clear();
        cats.clear();
        decoded.clear();
    }

    /**
     * The penultimate features of the last forward: the highest-resolution decoder output that the first head maps to
     * logits ([N, D, H, W, features of stage 0]). Owned by the network; valid until the next forward, backward or
     * {@link #release()}.
     */
    @Override
    public Tensor finalFeatures() {
        if (decoded.isEmpty()) throw new IllegalStateException("no forward yet");
        return decoded.get(decoded.size() - 1);
    }

    /**
     * Drops the activations a forward keeps for backward. Called by forward itself; call it after an inference-only
     * forward to give the memory back at once (on a GPU).
     */
    @Override
    public void release() {
        for (Tensor t : skips) t.close();
        for (Tensor t : cats) t.close();
        for (Tensor t : ups) t.close();
        for (Tensor t : decoded) t.close();
        skips.clear();
        ups.clear();
        cats.clear();
        decoded.clear();
    }
}
