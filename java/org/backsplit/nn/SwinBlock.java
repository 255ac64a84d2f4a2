package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.AttentionGrads;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.Backend;
import org.backsplit.backend.RowGather;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * MONAI's SwinTransformerBlock on a [N, D, H, W, C] map: x + reverse(proj(attention(qkv(partition(norm1(x)))))), then y
 * + linear2(GELU(linear1(norm2(y)))); no dropout, no stochastic depth (the paper's rates are 0). Windows, shifts,
 * padding and the mask follow {@link SwinWindows}. Parameters under prefix, in MONAI's names and state_dict order:
 * norm1, attn.relative_position_bias_table, attn.qkv, attn.proj, norm2, mlp.linear1, mlp.linear2. (MONAI's state_dict
 * also holds the buffer attn.relative_position_index, which {@link SwinUNETR} writes and checks.)
 */
public final class SwinBlock implements Layer {
    private final Backend backend;
    private final int channels;
    private final int heads;
    private final int window;
    private final boolean shifted;
    private final double scale;
    private final LayerNorm norm1;
    private final Parameter biasTable;
    private final Conv3d qkv;
    private final Conv3d proj;
    private final LayerNorm norm2;
    private final Conv3d linear1;
    private final Conv3d linear2;

    /** The windows of the last input shape, and what they need on the backend. */
    private Shape mapShape;

    private RowGather partition;
    private RowGather reverse;
    private RowGather biasLookup;
    private Tensor mask;

    // kept from forward for backward
    private Tensor windows;
    private Tensor qkvOut;
    private AttentionOutput attention;
    private Tensor afterAttention;
    private Tensor normed2;
    private Tensor hidden;
    private Tensor activated;

    public SwinBlock(
            Backend backend, String prefix, int channels, int heads, int window, boolean shifted, double mlpRatio) {
        if (channels % heads != 0)
            throw new IllegalArgumentException(channels + " channels do not split into " + heads + " heads");
        this.backend = backend;
        this.channels = channels;
        this.heads = heads;
        this.window = window;
        this.shifted = shifted;
        this.scale = Math.pow((double) (channels / heads), -0.5);
        int span = 2 * window - 1, hiddenChannels = (int) (channels * mlpRatio);
        norm1 = new LayerNorm(backend, prefix + "norm1.", channels);
        biasTable = new Parameter(
                prefix + "attn.relative_position_bias_table",
                backend.zeros(new Shape(span * span * span, heads)),
                TorchLayout.SAME);
        qkv = Conv3d.linear(backend, prefix + "attn.qkv.", channels, 3 * channels, true);
        proj = Conv3d.linear(backend, prefix + "attn.proj.", channels, channels, true);
        norm2 = new LayerNorm(backend, prefix + "norm2.", channels);
        linear1 = Conv3d.linear(backend, prefix + "mlp.linear1.", channels, hiddenChannels, true);
        linear2 = Conv3d.linear(backend, prefix + "mlp.linear2.", hiddenChannels, channels, true);
    }

    Parameter biasTable() {
        return biasTable;
    }

    private void windowsFor(Shape x) {
        if (x.equals(mapShape)) return;
        SwinWindows w = new SwinWindows(x.n(), new int[] {x.d(), x.h(), x.w()}, window, shifted);
        partition = w.partition(channels);
        reverse = w.reverse(channels);
        biasLookup = w.biasLookup(window, heads);
        if (mask != null) mask.close();
        float[] m = w.mask();
        mask = m == null ? null : backend.upload(m, w.maskShape());
        mapShape = x;
    }

    @Override
    public Tensor forward(Tensor x) {
        windowsFor(x.shape());
        Tensor normed1 = norm1.forward(x);
        windows = backend.gatherRows(normed1, partition);
        normed1.close(); // the norm's backward needs its input and statistics, not its output
        qkvOut = qkv.forward(windows);
        try (Tensor bias = backend.gatherRows(biasTable.value(), biasLookup)) {
            attention = backend.windowAttention(qkvOut, bias, mask, heads, scale);
        }
        Tensor projected = proj.forward(attention.out());
        Tensor back = backend.gatherRows(projected, reverse);
        projected.close();
        afterAttention = backend.add(x, back);
        back.close();
        normed2 = norm2.forward(afterAttention);
        hidden = linear1.forward(normed2);
        activated = backend.gelu(hidden);
        try (Tensor mlp = linear2.forward(activated)) {
            return backend.add(afterAttention, mlp);
        }
    }

    @Override
    public Tensor backward(Tensor dy) {
        // the MLP branch: y + linear2(gelu(linear1(norm2(y))))
        Tensor dActivated = linear2.backward(dy);
        activated.close();
        Tensor dHidden = backend.geluBackward(dActivated, hidden);
        dActivated.close();
        hidden.close();
        Tensor dNormed2 = linear1.backward(dHidden);
        dHidden.close();
        normed2.close();
        Tensor dBranch = norm2.backward(dNormed2);
        dNormed2.close();
        afterAttention.close();
        Tensor dAfter = backend.add(dy, dBranch);
        dBranch.close();
        // the attention branch: x + reverse(proj(attention(qkv(partition(norm1(x))))))
        Tensor dProjected = backend.gatherRowsBackward(dAfter, reverse);
        Tensor dAttention = proj.backward(dProjected);
        dProjected.close();
        attention.out().close();
        AttentionGrads g = backend.windowAttentionBackward(dAttention, qkvOut, attention, heads, scale);
        dAttention.close();
        attention.probabilities().close();
        qkvOut.close();
        biasTable.setGrad(backend.gatherRowsBackward(g.dbias(), biasLookup));
        g.dbias().close();
        Tensor dWindows = qkv.backward(g.dqkv());
        g.dqkv().close();
        windows.close();
        Tensor dNormed1 = backend.gatherRowsBackward(dWindows, partition);
        dWindows.close();
        Tensor dNorm = norm1.backward(dNormed1);
        dNormed1.close();
        Tensor dx = backend.add(dAfter, dNorm);
        dAfter.close();
        dNorm.close();
        windows = qkvOut = afterAttention = normed2 = hidden = activated = null;
        attention = null;
        return dx;
    }

    /** Drops what a forward kept (after an inference-only forward). */
    void release() {
        for (Tensor t : new Tensor[] {windows, qkvOut, afterAttention, normed2, hidden, activated})
            if (t != null) t.close();
        if (attention != null) {
            attention.out().close();
            attention.probabilities().close();
        }
        norm1.release();
        norm2.release();
        windows = qkvOut = afterAttention = normed2 = hidden = activated = null;
        attention = null;
    }

    @Override
    public void collect(List<Parameter> out) {
        norm1.collect(out);
        out.add(biasTable);
        qkv.collect(out);
        proj.collect(out);
        norm2.collect(out);
        linear1.collect(out);
        linear2.collect(out);
    }
}
