package org.backsplit.tensor;

/** Host-side moves between PyTorch's channels-first NCDHW arrays and our channels-last NDHWC. */
public final class Layouts {
    private Layouts() {}

    /** [N, C, D, H, W] data to [N, D, H, W, C]; returns the data, the shape is {@link #ndhwcShape}. */
    public static float[] toChannelsLast(float[] data, Shape ncdhw) {
        int n = ncdhw.dim(0), c = ncdhw.dim(1), v = ncdhw.dim(2) * ncdhw.dim(3) * ncdhw.dim(4);
        float[] out = new float[data.length];
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < v; i++) out[(s * v + i) * c + ch] = data[(s * c + ch) * v + i];
        return out;
    }

    public static float[] toChannelsFirst(float[] data, Shape ndhwc) {
        int n = ndhwc.n(), c = ndhwc.c(), v = ndhwc.spatial();
        float[] out = new float[data.length];
        for (int s = 0; s < n; s++)
            for (int i = 0; i < v; i++)
                for (int ch = 0; ch < c; ch++) out[(s * c + ch) * v + i] = data[(s * v + i) * c + ch];
        return out;
    }

    public static Shape ndhwcShape(Shape ncdhw) {
        if (ncdhw.rank() != 5)
            throw new IllegalArgumentException("expected a 5D N x C x D x H x W array, got " + ncdhw);
        return Shape.ndhwc(ncdhw.dim(0), ncdhw.dim(2), ncdhw.dim(3), ncdhw.dim(4), ncdhw.dim(1));
    }

    public static Shape ncdhwShape(Shape ndhwc) {
        return new Shape(ndhwc.n(), ndhwc.c(), ndhwc.d(), ndhwc.h(), ndhwc.w());
    }
}
