package org.backsplit.backend.cpu;

import org.backsplit.tensor.Shape;

/**
 * Average pooling (window = stride) and trilinear upsampling (integer factors, align_corners = False) on NDHWC, with
 * their backward passes. Trilinear interpolation is separable, so it runs as three 1-D passes, one per axis, each
 * viewing the tensor as [outer, length, inner] with the channels inside `inner`: every output row is a blend of two
 * input rows. The backward passes gather (each input row sums the output rows that read it, in order) rather than
 * scatter, so they need no synchronisation and are deterministic.
 */
final class CpuResampling {
    private final Parallel parallel;
    private final ArrayPool pool;

    CpuResampling(Parallel parallel, ArrayPool pool) {
        this.parallel = parallel;
        this.pool = pool;
    }

    float[] avgPool(float[] x, Shape xs, int[] k, Shape ys) {
        float[] y = pool.dirty(ys.size());
        int c = xs.c();
        float inv = 1f / (k[0] * k[1] * k[2]);
        parallel.forEach(ys.n() * ys.d(), job -> {
            int n = job / ys.d(), z = job % ys.d();
            for (int yy = 0; yy < ys.h(); yy++)
                for (int xx = 0; xx < ys.w(); xx++) {
                    int out = (((n * ys.d() + z) * ys.h() + yy) * ys.w() + xx) * c;
                    for (int ch = 0; ch < c; ch++) {
                        float sum = 0;
                        for (int a = 0; a < k[0]; a++)
                            for (int b = 0; b < k[1]; b++)
                                for (int e = 0; e < k[2]; e++) {
                                    sum += x[
                                            (((n * xs.d() + z * k[0] + a) * xs.h() + yy * k[1] + b) * xs.w()
                                                                    + xx * k[2]
                                                                    + e)
                                                            * c
                                                    + ch];
                                }
                        y[out + ch] = sum * inv;
                    }
                }
        });
        return y;
    }

    /**
     * Each input element gets its window's gradient / window volume; elements outside every window (floored tails) get
     * 0.
     */
    float[] avgPoolBackward(float[] dy, Shape ys, int[] k, Shape xs) {
        float[] dx = pool.dirty(xs.size());
        int c = xs.c();
        float inv = 1f / (k[0] * k[1] * k[2]);
        parallel.forEach(xs.n() * xs.d(), job -> {
            int n = job / xs.d(), z = job % xs.d(), zo = z / k[0];
            for (int yy = 0; yy < xs.h(); yy++)
                for (int xx = 0; xx < xs.w(); xx++) {
                    int yo = yy / k[1], xo = xx / k[2];
                    int in = (((n * xs.d() + z) * xs.h() + yy) * xs.w() + xx) * c;
                    boolean covered = zo < ys.d() && yo < ys.h() && xo < ys.w();
                    int out = covered ? (((n * ys.d() + zo) * ys.h() + yo) * ys.w() + xo) * c : 0;
                    for (int ch = 0; ch < c; ch++) dx[in + ch] = covered ? dy[out + ch] * inv : 0f;
                }
        });
        return dx;
    }

    float[] upsampleTrilinear(float[] x, Shape xs, int[] scale) {
        int[] dims = {xs.n(), xs.d(), xs.h(), xs.w(), xs.c()};
        float[] cur = x;
        for (int axis = 1; axis <= 3; axis++) {
            float[] next = linearPass(cur, dims, axis, scale[axis - 1]);
            if (cur != x) pool.give(cur);
            cur = next;
            dims[axis] *= scale[axis - 1];
        }
        return cur == x ? copy(x) : cur;
    }

    float[] upsampleTrilinearBackward(float[] dy, Shape xs, int[] scale) {
        int[] dims = {xs.n(), xs.d() * scale[0], xs.h() * scale[1], xs.w() * scale[2], xs.c()};
        float[] cur = dy;
        for (int axis = 3; axis >= 1; axis--) {
            dims[axis] /= scale[axis - 1];
            float[] next = linearPassAdjoint(cur, dims, axis, scale[axis - 1]);
            if (cur != dy) pool.give(cur);
            cur = next;
        }
        return cur == dy ? copy(dy) : cur;
    }

    /** The product of dims[from..to): the tensor seen as [outer, length, inner] along one axis. */
    private static int extent(int[] dims, int from, int to) {
        int e = 1;
        for (int a = from; a < to; a++) e *= dims[a];
        return e;
    }

    /** A pooled copy: an output never shares its array with an input (each tensor returns its own to the pool). */
    private float[] copy(float[] a) {
        float[] c = pool.dirty(a.length);
        System.arraycopy(a, 0, c, 0, a.length);
        return c;
    }

    /** The rows {i0, i1} and the weight of i1 that output row o reads (PyTorch's align_corners = False rule). */
    static double[] source(int o, int length, int scale) {
        double src = Math.max(0, (o + 0.5) / scale - 0.5);
        int i0 = Math.min((int) src, length - 1);
        return new double[] {i0, Math.min(i0 + 1, length - 1), src - i0};
    }

    /** Upsamples axis `axis` of dims (the input's) by `scale`. */
    private float[] linearPass(float[] in, int[] dims, int axis, int scale) {
        int outer = extent(dims, 0, axis),
                innerSize = extent(dims, axis + 1, dims.length),
                length = dims[axis],
                outLength = length * scale;
        float[] out = pool.dirty(outer * outLength * innerSize);
        parallel.forEach(outer * outLength, job -> {
            int o = job / outLength, r = job % outLength;
            double[] s = source(r, length, scale);
            float w1 = (float) s[2], w0 = 1f - w1;
            int a = (o * length + (int) s[0]) * innerSize,
                    b = (o * length + (int) s[1]) * innerSize,
                    t = job * innerSize;
            for (int i = 0; i < innerSize; i++) out[t + i] = w0 * in[a + i] + w1 * in[b + i];
        });
        return out;
    }

    /** The transpose of {@link #linearPass}: dims are the input's; `in` is the gradient of the upsampled axis. */
    private float[] linearPassAdjoint(float[] in, int[] dims, int axis, int scale) {
        int outer = extent(dims, 0, axis),
                innerSize = extent(dims, axis + 1, dims.length),
                length = dims[axis],
                upLength = length * scale;
        float[] out = pool.zeroed(outer * length * innerSize);
        parallel.forEach(outer * length, job -> {
            int o = job / length, r = job % length, t = job * innerSize;
            // output rows reading row r lie within [scale*(r-1), scale*(r+2)) (source = (u+0.5)/scale - 0.5)
            for (int u = Math.max(0, scale * (r - 1)); u < Math.min(upLength, scale * (r + 2)); u++) {
                double[] s = source(u, length, scale);
                float w = (float) ((s[0] == r ? 1 - s[2] : 0) + (s[1] == r ? s[2] : 0));
                if (w == 0f) continue;
                int a = (o * upLength + u) * innerSize;
                for (int i = 0; i < innerSize; i++) out[t + i] += w * in[a + i];
            }
        });
        return out;
    }
}
