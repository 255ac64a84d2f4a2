package org.backsplit.backend.cuda;

import org.backsplit.backend.AttentionGrads;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.LayerNormGrads;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.WindowLayout;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * SwinUNETR's operations on the GPU (kernels/transformer.cu): layer norm, GELU, row gathers, window attention. A row
 * gather's index maps are uploaded at each call (a few hundred kilobytes at most; not cached, so nothing outlives the
 * call).
 */
final class CudaTransformer {
    /** Rows per partial sum of the layer norm's scale and shift gradients: fixed by the sizes alone. */
    private static final int ROWS_PER_CHUNK = 256;

    private final CudaRuntime rt;
    private final CudaKernels k;

    CudaTransformer(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    private static DevicePointer orNull(Tensor t) {
        return t == null ? DevicePointer.NULL : CudaBackend.c(t);
    }

    LayerNormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps) {
        Shape s = x.shape();
        int c = s.last();
        long rows = s.numel() / c;
        CudaTensor y = rt.make(s), mean = rt.make(new Shape((int) rows)), rstd = rt.make(new Shape((int) rows));
        k.layer_norm_forward(
                Grid.perItem(rows), CudaBackend.c(x), orNull(gamma), orNull(beta), y, mean, rstd, c, rows, eps);
        return new LayerNormOutput(y, mean, rstd);
    }

    LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor gamma, LayerNormOutput saved) {
        Shape s = x.shape();
        int c = s.last();
        long rows = s.numel() / c;
        CudaTensor dx = rt.make(s);
        CudaTensor mean = CudaBackend.c(saved.mean()), rstd = CudaBackend.c(saved.rstd());
        k.layer_norm_backward_data(
                Grid.perItem(rows), CudaBackend.c(dy), CudaBackend.c(x), orNull(gamma), mean, rstd, dx, c, rows);
        if (gamma == null) return new LayerNormGrads(dx, null, null);
        int chunks = (int) Math.max(1, (rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK);
        CudaTensor dgamma = rt.make(new Shape(c)), dbeta = rt.make(new Shape(c));
        try (CudaTensor partial = rt.doubles(2L * chunks * c)) {
            k.layer_norm_backward_affine_partial(
                    Grid.elementwise((long) chunks * c),
                    CudaBackend.c(dy),
                    CudaBackend.c(x),
                    mean,
                    rstd,
                    partial,
                    c,
                    rows,
                    ROWS_PER_CHUNK,
                    chunks);
            k.layer_norm_backward_affine_reduce(Grid.perItem(c), partial, dgamma, dbeta, c, chunks);
        }
        return new LayerNormGrads(dx, dgamma, dbeta);
    }

    Tensor gelu(Tensor x) {
        long n = x.shape().numel();
        CudaTensor y = rt.make(x.shape());
        k.gelu_forward(Grid.elementwise(n), CudaBackend.c(x), y, n);
        return y;
    }

    Tensor geluBackward(Tensor dy, Tensor x) {
        long n = x.shape().numel();
        CudaTensor dx = rt.make(x.shape());
        k.gelu_backward(Grid.elementwise(n), CudaBackend.c(dy), CudaBackend.c(x), dx, n);
        return dx;
    }

    Tensor gatherRows(Tensor x, RowGather g) {
        requireShape(x, g.sourceShape());
        long n = g.targetShape().numel();
        CudaTensor y = rt.make(g.targetShape());
        try (CudaTensor source = rt.uploadInts(g.source())) {
            k.gather_rows_forward(Grid.elementwise(n), CudaBackend.c(x), source, y, g.width(), n);
        }
        return y;
    }

    Tensor gatherRowsBackward(Tensor dy, RowGather g) {
        requireShape(dy, g.targetShape());
        long n = g.sourceShape().numel();
        CudaTensor dx = rt.make(g.sourceShape());
        try (CudaTensor start = rt.uploadInts(g.inverseStart());
                CudaTensor targets = rt.uploadInts(g.inverseRows())) {
            k.gather_rows_backward(Grid.elementwise(n), CudaBackend.c(dy), start, targets, dx, g.width(), n);
        }
        return dx;
    }

    private static void requireShape(Tensor t, Shape expected) {
        if (!t.shape().equals(expected))
            throw new IllegalArgumentException("a row gather of " + expected + " applied to " + t.shape());
    }

    AttentionOutput windowAttention(Tensor qkv, Tensor bias, Tensor mask, int heads, double scale) {
        WindowLayout l = new WindowLayout(
                qkv.shape(), heads, mask == null ? 0 : mask.shape().dim(0));
        CudaTensor out = rt.make(l.outShape()), probs = rt.make(l.probabilityShape());
        k.window_attention_forward(
                Grid.elementwise((long) l.windows() * heads * l.tokens()),
                CudaBackend.c(qkv),
                CudaBackend.c(bias),
                orNull(mask),
                probs,
                out,
                l.windows(),
                l.tokens(),
                l.channels(),
                heads,
                l.masks(),
                (float) scale);
        return new AttentionOutput(out, probs);
    }

    AttentionGrads windowAttentionBackward(Tensor dout, Tensor qkv, AttentionOutput saved, int heads, double scale) {
        WindowLayout l = new WindowLayout(qkv.shape(), heads, 0);
        int w = l.windows(), t = l.tokens(), c = l.channels();
        CudaTensor dqkv = rt.make(qkv.shape()), dbias = rt.make(new Shape(t, t, heads));
        CudaTensor g = CudaBackend.c(dout), in = CudaBackend.c(qkv), p = CudaBackend.c(saved.probabilities());
        Grid rows = Grid.elementwise((long) w * heads * t);
        try (CudaTensor ds = rt.make(l.probabilityShape())) {
            k.window_attention_backward_rows(rows, g, in, p, ds, dqkv, w, t, c, heads, (float) scale);
            k.window_attention_backward_columns(rows, g, in, p, ds, dqkv, w, t, c, heads, (float) scale);
            k.window_attention_backward_bias(Grid.elementwise((long) t * t * heads), ds, dbias, w, t, heads);
        }
        return new AttentionGrads(dqkv, dbias);
    }
}
