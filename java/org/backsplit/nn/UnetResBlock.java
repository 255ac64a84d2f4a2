package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * MONAI's UnetResBlock as SwinUNETR's UnetrBasicBlock and UnetrUpBlock use it:
 * lrelu(norm2(conv2(lrelu(norm1(conv1(x))))) + residual), residual = norm3(conv3(x)) (1x1x1) when the widths differ,
 * else x. 3x3x3 convolutions without bias, instance norm without affine parameters (MONAI's default for "instance"),
 * LeakyReLU 0.01. Parameters prefix + "conv1.conv.weight", "conv2.conv.weight", "conv3.conv.weight".
 */
public final class UnetResBlock implements Layer {
    private static final double EPS = 1e-5, SLOPE = 0.01;

    private final Backend backend;
    private final int channels;
    private final Conv3d conv1;
    private final Conv3d conv2;
    private final Conv3d conv3;
    private final Tensor ones;
    private final Tensor zeros;

    private Tensor c1;
    private GroupNormOutput a1;
    private Tensor c2;
    private GroupNormOutput n2;
    private Tensor c3;
    private GroupNormOutput n3;
    private Tensor out;

    /** @param needsInputGrad false where the input is the image (encoder1) */
    public UnetResBlock(Backend backend, String prefix, int in, int out, boolean needsInputGrad) {
        this.backend = backend;
        this.channels = out;
        int[] three = {3, 3, 3}, one = {1, 1, 1};
        conv1 = new Conv3d(
                backend, prefix + "conv1.conv.", in, out, three, one, false, TorchLayout.CONV, needsInputGrad);
        conv2 = new Conv3d(backend, prefix + "conv2.conv.", out, out, three, one, false, TorchLayout.CONV, true);
        conv3 = in == out
                ? null
                : new Conv3d(
                        backend, prefix + "conv3.conv.", in, out, one, one, false, TorchLayout.CONV, needsInputGrad);
        float[] v = new float[out];
        java.util.Arrays.fill(v, 1f);
        ones = backend.upload(v, new Shape(out));
        zeros = backend.zeros(new Shape(out));
    }

    @Override
    public Tensor forward(Tensor x) {
        c1 = conv1.forward(x);
        a1 = backend.groupNormLeakyRelu(c1, ones, zeros, channels, EPS, SLOPE);
        c2 = conv2.forward(a1.y());
        n2 = backend.groupNorm(c2, ones, zeros, channels, EPS);
        Tensor residual = x;
        if (conv3 != null) {
            c3 = conv3.forward(x);
            n3 = backend.groupNorm(c3, ones, zeros, channels, EPS);
            residual = n3.y();
        }
        try (Tensor sum = backend.add(n2.y(), residual)) {
            n2.y().close();
            if (n3 != null) n3.y().close();
            out = backend.leakyRelu(sum, SLOPE);
        }
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dSum = backend.leakyReluBackward(dy, out, SLOPE);
        Tensor d2 = normBackward(dSum, c2, n2);
        Tensor dA1 = conv2.backward(d2);
        d2.close();
        GroupNormGrads g1 = backend.groupNormLeakyReluBackward(dA1, c1, a1.y(), ones, a1, channels, SLOPE);
        dA1.close();
        closeStatistics(a1);
        a1.y().close();
        g1.dgamma().close();
        g1.dbeta().close();
        c2.close();
        Tensor dx = conv1.backward(g1.dx());
        g1.dx().close();
        c1.close();
        Tensor dResidual = dSum;
        if (conv3 != null) {
            Tensor d3 = normBackward(dSum, c3, n3);
            dResidual = conv3.backward(d3);
            d3.close();
            c3.close();
            dSum.close();
        }
        Tensor total = dx == null ? null : backend.add(dx, dResidual);
        if (dx != null) dx.close();
        if (dResidual != null) dResidual.close();
        c1 = c2 = c3 = out = null;
        a1 = n2 = n3 = null;
        return total;
    }

    private Tensor normBackward(Tensor dy, Tensor x, GroupNormOutput saved) {
        GroupNormGrads g = backend.groupNormBackward(dy, x, ones, saved, channels);
        g.dgamma().close();
        g.dbeta().close();
        closeStatistics(saved);
        return g.dx();
    }

    private static void closeStatistics(GroupNormOutput saved) {
        saved.mean().close();
        saved.rstd().close();
    }

    /** Drops what a forward kept (after an inference-only forward). */
    void release() {
        for (Tensor t : new Tensor[] {c1, c2, c3}) if (t != null) t.close();
        if (a1 != null) {
            a1.y().close();
            closeStatistics(a1);
        }
        if (n2 != null) closeStatistics(n2);
        if (n3 != null) closeStatistics(n3);
        c1 = c2 = c3 = out = null;
        a1 = n2 = n3 = null;
    }

    @Override
    public void collect(List<Parameter> out) {
        conv1.collect(out);
        conv2.collect(out);
        if (conv3 != null) conv3.collect(out);
    }
}
