package org.backsplit.backend;

import org.backsplit.tensor.Shape;

/**
 * Where {@link Backend#windowAttention}'s operands live: qkv [W, ..., 3C] as W windows of T tokens with channels
 * (q|k|v, head, head channel), as MONAI's qkv.reshape(b, n, 3, heads, C / heads) reads them; the output [W, ..., C]
 * with channels (head, head channel), as (attn @ v).transpose(1, 2).reshape(b, n, C) writes them; the probabilities [W,
 * heads, T, T]; the bias [T, T, heads]; the masks [masks, T, T], window w taking mask w % masks.
 */
public record WindowLayout(Shape qkvShape, int heads, int masks, int windows, int tokens, int channels, int headDim) {

    public WindowLayout(Shape qkvShape, int heads, int masks) {
        this(
                qkvShape,
                heads,
                masks,
                qkvShape.dim(0),
                tokens(qkvShape),
                qkvShape.last() / 3,
                qkvShape.last() / 3 / heads);
    }

    public WindowLayout {
        if (qkvShape.last() % (3 * heads) != 0)
            throw new IllegalArgumentException("attention input " + qkvShape
                    + ": its last axis is not 3 * heads * head channels (" + heads + " heads)");
    }

    private static int tokens(Shape s) {
        return (int) (s.numel() / ((long) s.dim(0) * s.last()));
    }

    /** qkv with the last axis C instead of 3C. */
    public Shape outShape() {
        int[] d = qkvShape.dims();
        d[d.length - 1] = channels;
        return new Shape(d);
    }

    public Shape probabilityShape() {
        return new Shape(windows, heads, tokens, tokens);
    }

    public int q(int w, int i, int h, int e) {
        return ((w * tokens + i) * 3 * channels) + h * headDim + e;
    }

    public int k(int w, int j, int h, int e) {
        return q(w, j, h, e) + channels;
    }

    public int v(int w, int j, int h, int e) {
        return q(w, j, h, e) + 2 * channels;
    }

    public int out(int w, int i, int h, int e) {
        return (w * tokens + i) * channels + h * headDim + e;
    }

    /** The first probability of query i of head h in window w. */
    public int probabilityRow(int w, int h, int i) {
        return ((w * heads + h) * tokens + i) * tokens;
    }

    public int bias(int i, int j, int h) {
        return (i * tokens + j) * heads + h;
    }

    public int mask(int w, int i, int j) {
        return ((w % masks) * tokens + i) * tokens + j;
    }
}
