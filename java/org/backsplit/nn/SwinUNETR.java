package org.backsplit.nn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.io.FormatException;
import org.backsplit.io.NamedTensor;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * MONAI's SwinUNETR (v1: use_v2 = False) with its module names: swinViT (a 2x2x2 patch embedding, then four stages of
 * Swin blocks, the odd ones on shifted windows, each stage ending in {@link PatchMerging}; every stage's output and the
 * embedding layer-normalised without parameters, proj_out), the encoders encoder1..4 and encoder10
 * ({@link UnetResBlock}s on the image and the hidden states), decoder5..1 ({@link UnetrUpBlock}s) and the 1x1x1 output
 * convolution out.conv.conv. One head, no deep supervision; dropout rates 0.
 *
 * <p>The plan records the topology: features [f, f, 2f, 4f, 8f, 16f] (f = feature_size, a multiple of 12: the heads
 * split it), strides 1 then 2 (the input's sides must divide by 32), convsPerEncoderStage [1, depths..., 1].
 */
public final class SwinUNETR implements SegmentationNetwork {
    /** MONAI's defaults (and the paper's). */
    public static final int[] DEPTHS = {2, 2, 2, 2};

    public static final int[] HEADS = {3, 6, 12, 24};
    public static final int WINDOW = 7;
    public static final double MLP_RATIO = 4;
    /** The input's sides must be multiples of patch_size^5. */
    public static final int DIVISOR = 32;

    private final Backend backend;
    private final UNetPlan plan;
    private final Conv3d patchEmbed;
    private final List<List<SwinBlock>> stages = new ArrayList<>();
    private final List<PatchMerging> mergings = new ArrayList<>();
    private final List<LayerNorm> projOut = new ArrayList<>();
    private final UnetResBlock encoder1, encoder2, encoder3, encoder4, encoder10;
    private final UnetrUpBlock decoder5, decoder4, decoder3, decoder2, decoder1;
    private final Conv3d out;
    private final List<Parameter> parameters = new ArrayList<>();

    /** The swin path's outputs x0..x4 and every block's output within a stage, all ours to close. */
    private final List<Tensor> kept = new ArrayList<>();

    private Tensor[] hidden; // proj_out of x0..x4
    private Tensor enc0, enc1, enc2, enc3, dec4, dec3, dec2, dec1, dec0, features;
    private Tensor[] stageInputs;

    public SwinUNETR(Backend backend, UNetPlan plan) {
        this.backend = backend;
        this.plan = plan;
        int f = plan.features()[0], in = plan.inputChannels();
        if (f % 12 != 0) throw new IllegalArgumentException("SwinUNETR's feature size must divide by 12, not " + f);
        int[] two = {2, 2, 2};
        patchEmbed = new Conv3d(backend, "swinViT.patch_embed.proj.", in, f, two, two, true, TorchLayout.CONV, false);
        for (int s = 0; s < 5; s++) projOut.add(new LayerNorm(backend, null, f << s));
        for (int s = 0; s < 4; s++) {
            String prefix = "swinViT.layers" + (s + 1) + ".0.";
            List<SwinBlock> blocks = new ArrayList<>();
            for (int b = 0; b < DEPTHS[s]; b++)
                blocks.add(new SwinBlock(
                        backend, prefix + "blocks." + b + ".", f << s, HEADS[s], WINDOW, b % 2 == 1, MLP_RATIO));
            stages.add(blocks);
            mergings.add(new PatchMerging(backend, prefix + "downsample.", f << s));
        }
        encoder1 = new UnetResBlock(backend, "encoder1.layer.", in, f, false);
        encoder2 = new UnetResBlock(backend, "encoder2.layer.", f, f, true);
        encoder3 = new UnetResBlock(backend, "encoder3.layer.", 2 * f, 2 * f, true);
        encoder4 = new UnetResBlock(backend, "encoder4.layer.", 4 * f, 4 * f, true);
        encoder10 = new UnetResBlock(backend, "encoder10.layer.", 16 * f, 16 * f, true);
        decoder5 = new UnetrUpBlock(backend, "decoder5.", 16 * f, 8 * f);
        decoder4 = new UnetrUpBlock(backend, "decoder4.", 8 * f, 4 * f);
        decoder3 = new UnetrUpBlock(backend, "decoder3.", 4 * f, 2 * f);
        decoder2 = new UnetrUpBlock(backend, "decoder2.", 2 * f, f);
        decoder1 = new UnetrUpBlock(backend, "decoder1.", f, f);
        int[] one = {1, 1, 1};
        out = new Conv3d(backend, "out.conv.conv.", f, plan.numClasses(), one, one, true, TorchLayout.CONV, true);
        // MONAI's registration order: swinViT (patch_embed, layers1..4), encoders, decoders, out
        patchEmbed.collect(parameters);
        for (int s = 0; s < 4; s++) {
            for (SwinBlock b : stages.get(s)) b.collect(parameters);
            mergings.get(s).collect(parameters);
        }
        for (UnetResBlock e : List.of(encoder1, encoder2, encoder3, encoder4, encoder10)) e.collect(parameters);
        for (UnetrUpBlock d : List.of(decoder5, decoder4, decoder3, decoder2, decoder1)) d.collect(parameters);
        out.collect(parameters);
    }

    /** The plan of a SwinUNETR with feature size f (see the class comment). */
    public static UNetPlan plan(int inputChannels, int numClasses, int featureSize) {
        int[] features = new int[6];
        int[][] kernels = new int[6][], strides = new int[6][];
        int[] encoder = new int[6], decoder = new int[5];
        for (int s = 0; s < 6; s++) {
            features[s] = s == 0 ? featureSize : featureSize << (s - 1);
            kernels[s] = new int[] {3, 3, 3};
            strides[s] = s == 0 ? new int[] {1, 1, 1} : new int[] {2, 2, 2};
            encoder[s] = s == 0 || s == 5 ? 1 : DEPTHS[s - 1];
        }
        java.util.Arrays.fill(decoder, 1);
        return new UNetPlan(inputChannels, numClasses, features, kernels, strides, encoder, decoder);
    }

    private static final String PATCH_EMBED = "swinViT.patch_embed.proj.weight", HEAD = "out.conv.conv.weight";

    /** True for a state_dict with SwinUNETR's names (a MONAI checkpoint saved as safetensors, or ours). */
    public static boolean isItsStateDict(Map<String, NamedTensor> tensors) {
        return tensors.containsKey(PATCH_EMBED) && tensors.containsKey(HEAD);
    }

    /**
     * The plan of a SwinUNETR state_dict from its shapes: the patch embedding gives the feature size and the input
     * channels, the output convolution the classes. Depths, heads and window are MONAI's defaults (a state_dict with
     * others fails to load, naming the first tensor that differs).
     */
    public static UNetPlan inferPlan(Map<String, NamedTensor> tensors, Path file) throws FormatException {
        Shape embed = tensors.get(PATCH_EMBED).shape(), head = tensors.get(HEAD).shape();
        if (embed.rank() != 5 || head.rank() != 5 || embed.dim(2) != 2)
            throw new FormatException(
                    file,
                    "is not a 3D SwinUNETR with patch size 2: " + PATCH_EMBED + " " + embed + ", " + HEAD + " " + head);
        if (embed.dim(0) % 12 != 0)
            throw new FormatException(file, "has feature size " + embed.dim(0) + ", not a multiple of 12");
        return plan(embed.dim(1), head.dim(0), embed.dim(0));
    }

    @Override
    public Architecture architecture() {
        return Architecture.SWINUNETR;
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

    /**
     * PyTorch's defaults, which MONAI keeps ({@link Initialization#pyTorchDefaults}), then the relative position bias
     * tables trunc_normal_(std = 0.02) (cut at +-2, i.e. 100 standard deviations: normal).
     */
    @Override
    public void initialize(Rng rng) {
        Initialization.pyTorchDefaults(backend, parameters, rng);
        for (Parameter p : parameters) {
            if (!p.name().endsWith("relative_position_bias_table")) continue;
            float[] v = new float[p.value().shape().size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) (0.02 * rng.nextGaussian());
            p.set(backend.upload(v, p.value().shape()));
        }
    }

    /** Every block's attn.relative_position_index ([343, 343] for window 7), as MONAI registers it. */
    @Override
    public List<NamedTensor> buffers() {
        int[] index = SwinWindows.relativePositionIndex(WINDOW);
        float[] values = new float[index.length];
        for (int i = 0; i < index.length; i++) values[i] = index[i];
        int t = WINDOW * WINDOW * WINDOW;
        List<NamedTensor> out = new ArrayList<>();
        for (int s = 0; s < 4; s++)
            for (int b = 0; b < DEPTHS[s]; b++)
                out.add(new NamedTensor(
                        "swinViT.layers" + (s + 1) + ".0.blocks." + b + ".attn.relative_position_index",
                        new Shape(t, t),
                        values.clone()));
        return out;
    }

    @Override
    public boolean isSegmentationHead(Parameter p) {
        return p.name().startsWith("out.");
    }

    @Override
    public List<Tensor> forward(Tensor x) {
        release();
        for (int a = 1; a <= 3; a++) {
            if (x.shape().dim(a) % DIVISOR != 0)
                throw new IllegalArgumentException(
                        "SwinUNETR needs input sides divisible by " + DIVISOR + ", not " + x.shape());
        }
        hidden = new Tensor[5];
        stageInputs = new Tensor[5];
        Tensor cur = patchEmbed.forward(x);
        stageInputs[0] = cur;
        hidden[0] = projOut.get(0).forward(cur);
        for (int s = 0; s < 4; s++) {
            for (SwinBlock b : stages.get(s)) {
                cur = b.forward(cur);
                kept.add(cur);
            }
            cur = mergings.get(s).forward(cur);
            stageInputs[s + 1] = cur;
            hidden[s + 1] = projOut.get(s + 1).forward(cur);
        }
        enc0 = encoder1.forward(x);
        enc1 = encoder2.forward(hidden[0]);
        enc2 = encoder3.forward(hidden[1]);
        enc3 = encoder4.forward(hidden[2]);
        dec4 = encoder10.forward(hidden[4]);
        dec3 = decoder5.forward(dec4, hidden[3]);
        dec2 = decoder4.forward(dec3, enc3);
        dec1 = decoder3.forward(dec2, enc2);
        dec0 = decoder2.forward(dec1, enc1);
        features = decoder1.forward(dec0, enc0);
        return List.of(out.forward(features));
    }

    @Override
    public void backward(List<Tensor> gradLogits) {
        if (gradLogits.size() != 1 || gradLogits.get(0) == null)
            throw new IllegalArgumentException("SwinUNETR has one head");
        if (features == null) throw new IllegalStateException("backward without a forward");
        Tensor dFeatures = out.backward(gradLogits.get(0));
        Tensor[] d1 = decoder1.backward(dFeatures);
        dFeatures.close();
        Tensor[] d2 = decoder2.backward(d1[0]);
        d1[0].close();
        Tensor[] d3 = decoder3.backward(d2[0]);
        d2[0].close();
        Tensor[] d4 = decoder4.backward(d3[0]);
        d3[0].close();
        Tensor[] d5 = decoder5.backward(d4[0]);
        d4[0].close();
        Tensor[] dHidden = new Tensor[5];
        dHidden[4] = encoder10.backward(d5[0]);
        d5[0].close();
        dHidden[3] = d5[1];
        dHidden[2] = encoderBackward(encoder4, d4[1]);
        dHidden[1] = encoderBackward(encoder3, d3[1]);
        dHidden[0] = encoderBackward(encoder2, d2[1]);
        Tensor none = encoder1.backward(d1[1]); // the image needs no gradient
        if (none != null) none.close();
        d1[1].close();
        // the swin path, deepest first: each stage's output feeds its proj_out and the next stage
        Tensor d = null;
        for (int s = 4; s >= 0; s--) {
            Tensor dProj = projOut.get(s).backward(dHidden[s]);
            dHidden[s].close();
            if (d == null) d = dProj;
            else {
                Tensor total = backend.add(d, dProj);
                d.close();
                dProj.close();
                d = total;
            }
            if (s == 0) break;
            Tensor dStage = mergings.get(s - 1).backward(d);
            d.close();
            d = dStage;
            List<SwinBlock> blocks = stages.get(s - 1);
            for (int b = blocks.size() - 1; b >= 0; b--) {
                Tensor dIn = blocks.get(b).backward(d);
                d.close();
                d = dIn;
            }
        }
        Tensor image = patchEmbed.backward(d);
        if (image != null) image.close();
        d.close();
        release();
    }

    private static Tensor encoderBackward(UnetResBlock encoder, Tensor dy) {
        Tensor dx = encoder.backward(dy);
        dy.close();
        return dx;
    }

    @Override
    public Tensor finalFeatures() {
        if (features == null) throw new IllegalStateException("no forward yet");
        return features;
    }

    @Override
    public void release() {
        for (List<SwinBlock> blocks : stages) for (SwinBlock b : blocks) b.release();
        for (PatchMerging m : mergings) m.release();
        for (LayerNorm n : projOut) n.release();
        for (UnetResBlock e : List.of(encoder1, encoder2, encoder3, encoder4, encoder10)) e.release();
        for (UnetrUpBlock u : List.of(decoder5, decoder4, decoder3, decoder2, decoder1)) u.release();
        for (Tensor t : kept) t.close();
        kept.clear();
        if (hidden != null) for (Tensor t : hidden) if (t != null) t.close();
        if (stageInputs != null) for (Tensor t : stageInputs) if (t != null) t.close();
        for (Tensor t : new Tensor[] {enc0, enc1, enc2, enc3, dec4, dec3, dec2, dec1, dec0, features})
            if (t != null) t.close();
        hidden = stageInputs = null;
        enc0 = enc1 = enc2 = enc3 = dec4 = dec3 = dec2 = dec1 = dec0 = features = null;
    }
}
