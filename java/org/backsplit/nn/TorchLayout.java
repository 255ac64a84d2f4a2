package org.backsplit.nn;

import org.backsplit.tensor.Shape;

/**
 * How a parameter is laid out in PyTorch's state_dict versus in our backends, so weights move both ways. Convolution
 * weights are [K, C, kd, kh, kw] in PyTorch and [K, kd, kh, kw, C] here; transposed-convolution weights are [Cin, Cout,
 * kd, kh, kw] in PyTorch and [Cin, kd, kh, kw, Cout] here. A 2D network's convolutions (nn.Conv2d, [K, C, kh, kw]) run
 * here as 3D ones of depth 1 ([K, 1, kh, kw, C]). A linear layer (nn.Linear, [out, in]) runs as a 1x1x1 convolution
 * over rows ([out, 1, 1, 1, in]: the same values in the same order). The rest is the same.
 */
public enum TorchLayout {
    SAME,
    CONV,
    CONV_TRANSPOSE,
    CONV_2D,
    CONV_TRANSPOSE_2D,
    LINEAR;

    /** Our shape for a PyTorch shape. */
    public Shape ours(Shape torch) {
        int[] t = torch.dims();
        return switch (this) {
            case SAME -> torch;
            case CONV, CONV_TRANSPOSE -> new Shape(t[0], t[2], t[3], t[4], t[1]);
            case CONV_2D, CONV_TRANSPOSE_2D -> new Shape(t[0], 1, t[2], t[3], t[1]);
            case LINEAR -> new Shape(t[0], 1, 1, 1, t[1]);
        };
    }

    /** PyTorch's shape for our shape. */
    public Shape torch(Shape ours) {
        int[] o = ours.dims();
        return switch (this) {
            case SAME -> ours;
            case CONV, CONV_TRANSPOSE -> new Shape(o[0], o[4], o[1], o[2], o[3]);
            case CONV_2D, CONV_TRANSPOSE_2D -> {
                if (o[1] != 1) throw new IllegalArgumentException("a 2D convolution has depth 1, not " + ours);
                yield new Shape(o[0], o[4], o[2], o[3]);
            }
            case LINEAR -> new Shape(o[0], o[4]);
        };
    }

    /** Moves the channel axis 1 of a PyTorch convolution weight to the end (or returns the data as is). */
    public float[] fromTorch(float[] data, Shape torch) {
        if (this == SAME || this == LINEAR) return data.clone();
        int[] t = torch.dims();
        int a = t[0], c = t[1], taps = data.length / (a * c);
        float[] out = new float[data.length];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < c; j++)
                for (int k = 0; k < taps; k++) out[(i * taps + k) * c + j] = data[(i * c + j) * taps + k];
        return out;
    }

    /** The inverse of {@link #fromTorch}. */
    public float[] toTorch(float[] data, Shape ours) {
        if (this == SAME || this == LINEAR) return data.clone();
        int[] o = ours.dims();
        int a = o[0], c = o[4], taps = o[1] * o[2] * o[3];
        float[] out = new float[data.length];
        for (int i = 0; i < a; i++)
            for (int k = 0; k < taps; k++)
                for (int j = 0; j < c; j++) out[(i * c + j) * taps + k] = data[(i * taps + k) * c + j];
        return out;
    }
}
