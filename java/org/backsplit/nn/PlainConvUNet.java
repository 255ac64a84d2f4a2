package org.backsplit.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;

/**
 * nnU-Net's PlainConvUNet (dynamic_network_architectures), with the same module tree so its parameters
 * carry the same state_dict names: encoder.stages.s.0.convs.j.{conv,norm}, decoder.transpconvs.s,
 * decoder.stages.s.convs.j.{conv,norm}, decoder.seg_layers.s. The decoder concatenates (upsampled, skip)
 * in that order and has a 1x1x1 head on every stage (deep supervision).
 */
public final class PlainConvUNet {
    private final Backend backend;
    private final UNetPlan plan;
    private final List<StackedConvBlocks> encoder = new ArrayList<>();
    private final List<ConvTranspose3d> transpconvs = new ArrayList<>();
    private final List<StackedConvBlocks> decoder = new ArrayList<>();
    private final List<Conv3d> segLayers = new ArrayList<>();
    private final List<Parameter> parameters = new ArrayList<>();
    /** Activations of the last forward that backward still needs: encoder outputs, concatenations, decoder outputs. */
    private final List<Tensor> skips = new ArrayList<>();
    private final List<Tensor> cats = new ArrayList<>();
    private final List<Tensor> decoded = new ArrayList<>();

    public PlainConvUNet(Backend backend, UNetPlan plan) {
        this.backend = backend;
        this.plan = plan;
        int n = plan.stages();
        int[] f = plan.features();
        int in = plan.inputChannels();
        for (int s = 0; s < n; s++) {
            encoder.add(new StackedConvBlocks(backend, "encoder.stages." + s + ".0.", plan.convsPerEncoderStage()[s], in, f[s],
                    plan.kernels()[s], plan.strides()[s], s > 0));
            in = f[s];
        }
        for (int s = 0; s < n - 1; s++) {
            int below = f[n - 1 - s], skip = f[n - 2 - s];
            transpconvs.add(new ConvTranspose3d(backend, "decoder.transpconvs." + s + ".", below, skip, plan.strides()[n - 1 - s]));
            decoder.add(new StackedConvBlocks(backend, "decoder.stages." + s + ".", plan.convsPerDecoderStage()[s], 2 * skip, skip,
                    plan.kernels()[n - 2 - s], new int[] {1, 1, 1}, true));
            segLayers.add(new Conv3d(backend, "decoder.seg_layers." + s + ".", skip, plan.numClasses(), new int[] {1, 1, 1},
                    new int[] {1, 1, 1}, true));
        }
        // state_dict order: encoder, then decoder.stages, decoder.transpconvs, decoder.seg_layers (module registration order)
        for (StackedConvBlocks e : encoder) e.collect(parameters);
        for (StackedConvBlocks d : decoder) d.collect(parameters);
        for (ConvTranspose3d t : transpconvs) t.collect(parameters);
        for (Conv3d h : segLayers) h.collect(parameters);
    }

    public UNetPlan plan() {
        return plan;
    }

    public Backend backend() {
        return backend;
    }

    public List<Parameter> parameters() {
        return Collections.unmodifiableList(parameters);
    }

    public long parameterCount() {
        long c = 0;
        for (Parameter p : parameters) c += p.value().shape().numel();
        return c;
    }

    /** The logits of every head, highest resolution first (as nnU-Net returns them). */
    public List<Tensor> forward(Tensor x) {
        int n = plan.stages();
        checkInput(x.shape());
        release();
        for (StackedConvBlocks e : encoder) {
            x = e.forward(x);
            skips.add(x);
        }
        List<Tensor> outputs = new ArrayList<>();
        Tensor lres = skips.get(n - 1);
        for (int s = 0; s < n - 1; s++) {
            Tensor up = transpconvs.get(s).forward(lres);
            Tensor cat = backend.concatChannels(up, skips.get(n - 2 - s));
            up.close();
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
     * Backpropagates dL/d(logits) of every head (highest resolution first, null where a head's loss weight is
     * 0) and leaves each parameter's gradient in {@link Parameter#grad()} (null for a head outside the loss).
     */
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
        cats.clear();
        decoded.clear();
    }

    /**
     * The penultimate features of the last forward: the highest-resolution decoder output that the first head
     * maps to logits ([N, D, H, W, features of stage 0]). Owned by the network; valid until the next forward,
     * backward or {@link #release()}.
     */
    public Tensor finalFeatures() {
        if (decoded.isEmpty()) throw new IllegalStateException("no forward yet");
        return decoded.get(decoded.size() - 1);
    }

    /**
     * Drops the activations a forward keeps for backward. Called by forward itself; call it after an
     * inference-only forward to give the memory back at once (on a GPU).
     */
    public void release() {
        for (Tensor t : skips) t.close();
        for (Tensor t : cats) t.close();
        for (Tensor t : decoded) t.close();
        skips.clear();
        cats.clear();
        decoded.clear();
    }
}
