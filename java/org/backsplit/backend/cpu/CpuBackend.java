package org.backsplit.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.backsplit.backend.AdamStep;
import org.backsplit.backend.AttentionGrads;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.Backend;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.backend.LayerNormGrads;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.NearestExact;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.SgdStep;
import org.backsplit.backend.WeightGrads;
import org.backsplit.backend.WindowLayout;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * The float32 CPU backend: multithreaded over all cores, Vector API kernels; convolutions read their operands in place
 * (CpuConvolution, DirectConv), transposed convolutions are GEMM tiles (Gemm). Deterministic: the same inputs give
 * bit-identical outputs whatever the thread count.
 */
public final class CpuBackend implements Backend {
    private static final int ELEMENTS_PER_TASK = 1 << 16;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private final Parallel parallel;
    private final ArrayPool pool = new ArrayPool();
    private final CpuConvolution conv;
    private final CpuGroupNorm norm;
    private final CpuDiceCrossEntropy loss;
    private final CpuResampling resampling;
    private final CpuTransformer transformer;

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public CpuBackend(int threads) {
        this.parallel = new Parallel(threads);
        this.conv = new CpuConvolution(parallel, pool);
        this.norm = new CpuGroupNorm(parallel, pool);
        this.loss = new CpuDiceCrossEntropy(parallel);
        this.resampling = new CpuResampling(parallel, pool);
        this.transformer = new CpuTransformer(parallel, pool);
    }

    /** Stops the worker threads. */
    @Override
    public void close() {
        parallel.close();
    }

    @Override
    public String name() {
        return "cpu (" + parallel.threads() + " threads)";
    }

    private static float[] f(Tensor t) {
        if (!(t instanceof CpuTensor c)) {
            throw new IllegalArgumentException(t + " (not a CPU tensor) passed to the CPU backend");
        }
        return c.data();
    }

    private static float[] fOrNull(Tensor t) {
        return t == null ? null : f(t);
    }

    void recycle(float[] data) {
        pool.give(data);
    }

    private CpuTensor wrap(Shape s, float[] data) {
        return new CpuTensor(this, s, data);
    }

    @Override
    public Tensor zeros(Shape shape) {
        return wrap(shape, pool.zeroed(shape.size()));
    }

    @Override
    public Tensor upload(float[] data, Shape shape) {
        float[] copy = pool.dirty(data.length);
        System.arraycopy(data, 0, copy, 0, data.length);
        return wrap(shape, copy);
    }

    @Override
    public float[] download(Tensor t) {
        return f(t).clone();
    }

    @Override
    public Tensor uploadExact(double[] data, Shape shape) {
        float[] v = pool.dirty(data.length);
        for (int i = 0; i < v.length; i++) v[i] = (float) data[i];
        return wrap(shape, v);
    }

    @Override
    public double[] downloadExact(Tensor t) {
        float[] v = f(t);
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    // ---- convolution ----

    @Override
    public Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        int k = weight.shape().dim(0);
        Shape ys = g.outShape(x.shape(), k);
        return wrap(ys, conv.forward(f(x), x.shape(), f(weight), k, fOrNull(bias), g, ys));
    }

    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape) {
        return wrap(xShape, conv.backwardData(f(dy), dy.shape(), f(weight), g, xShape));
    }

    @Override
    public WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        int[] k = g.kernel();
        int ko = dy.shape().c();
        float[][] r = conv.backwardWeight(f(x), x.shape(), f(dy), dy.shape(), g, withBias);
        return new WeightGrads(
                wrap(new Shape(ko, k[0], k[1], k[2], x.shape().c()), r[0]),
                withBias ? wrap(new Shape(ko), r[1]) : null);
    }

    @Override
    public Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride) {
        Shape xs = x.shape();
        int co = weight.shape().dim(4);
        Shape ys = Shape.ndhwc(xs.n(), xs.d() * stride[0], xs.h() * stride[1], xs.w() * stride[2], co);
        return wrap(ys, conv.transposedForward(f(x), xs, f(weight), co, fOrNull(bias), stride, ys));
    }

    @Override
    public Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] stride) {
        Shape ys = dy.shape();
        int ci = weight.shape().dim(0);
        Shape xs = Shape.ndhwc(ys.n(), ys.d() / stride[0], ys.h() / stride[1], ys.w() / stride[2], ci);
        return wrap(xs, conv.transposedBackwardData(f(dy), ys, f(weight), ci, stride, xs));
    }

    @Override
    public WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] stride, boolean withBias) {
        int ci = x.shape().c(), co = dy.shape().c();
        float[][] r = conv.transposedBackwardWeight(f(x), x.shape(), f(dy), dy.shape(), stride, withBias);
        return new WeightGrads(
                wrap(new Shape(ci, stride[0], stride[1], stride[2], co), r[0]),
                withBias ? wrap(new Shape(co), r[1]) : null);
    }

    // ---- group norm and LeakyReLU ----

    @Override
    public GroupNormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        return groupNormForward(x, gamma, beta, groups, eps, -1f);
    }

    @Override
    public GroupNormGrads groupNormBackward(Tensor dy, Tensor x, Tensor gamma, GroupNormOutput saved, int groups) {
        return groupNormBackwardPass(dy, x, null, -1f, groups, gamma, saved);
    }

    @Override
    public GroupNormOutput groupNormLeakyRelu(
            Tensor x, Tensor gamma, Tensor beta, int groups, double eps, double slope) {
        return groupNormForward(x, gamma, beta, groups, eps, (float) slope);
    }

    /** slope < 0: no activation. */
    private GroupNormOutput groupNormForward(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, float slope) {
        Backend.channelsPerGroup(x.shape().c(), groups); // refuses channels that do not split evenly
        Shape s = x.shape();
        float[][] r = norm.forward(f(x), s.n(), s.spatial(), s.c(), groups, f(gamma), f(beta), eps, slope);
        Shape stats = new Shape(s.n(), s.c());
        return new GroupNormOutput(wrap(s, r[0]), wrap(stats, r[1]), wrap(stats, r[2]));
    }

    @Override
    public GroupNormGrads groupNormLeakyReluBackward(
            Tensor dy, Tensor x, Tensor y, Tensor gamma, GroupNormOutput saved, int groups, double slope) {
        return groupNormBackwardPass(dy, x, f(y), (float) slope, groups, gamma, saved);
    }

    /** y: the forward output when fused with LeakyReLU, else null. */
    private GroupNormGrads groupNormBackwardPass(
            Tensor dy, Tensor x, float[] y, float slope, int groups, Tensor gamma, GroupNormOutput saved) {
        Backend.channelsPerGroup(x.shape().c(), groups); // refuses channels that do not split evenly
        Shape s = x.shape();
        float[][] r = norm.backward(
                f(dy), f(x), y, slope, s.n(), s.spatial(), s.c(), groups, f(gamma), f(saved.mean()), f(saved.rstd()));
        return new GroupNormGrads(wrap(s, r[0]), wrap(new Shape(s.c()), r[1]), wrap(new Shape(s.c()), r[2]));
    }

    @Override
    public Tensor leakyRelu(Tensor x, double slope) {
        float[] in = f(x), out = pool.dirty(in.length);
        float a = (float) slope;
        elementwise(in.length, (from, to) -> {
            int i = from;
            if (a >= 0 && a <= 1) { // then LeakyReLU(v) = max(v, a*v): no branch to mispredict
                for (; i + LANES <= to; i += LANES) {
                    FloatVector v = FloatVector.fromArray(SPECIES, in, i);
                    v.max(v.mul(a)).intoArray(out, i);
                }
            }
            for (; i < to; i++) out[i] = in[i] > 0 ? in[i] : a * in[i];
        });
        return wrap(x.shape(), out);
    }

    @Override
    public Tensor leakyReluBackward(Tensor dy, Tensor y, double slope) {
        float[] g = f(dy), yv = f(y), out = pool.dirty(g.length);
        float a = (float) slope;
        elementwise(g.length, (from, to) -> {
            int i = from;
            for (; i + LANES <= to; i += LANES) {
                FloatVector d = FloatVector.fromArray(SPECIES, g, i);
                d.mul(a)
                        .blend(d, FloatVector.fromArray(SPECIES, yv, i).compare(VectorOperators.GT, 0f))
                        .intoArray(out, i);
            }
            for (; i < to; i++) out[i] = yv[i] > 0 ? g[i] : a * g[i];
        });
        return wrap(y.shape(), out);
    }

    // ---- plumbing ----

    @Override
    public Tensor concatChannels(Tensor a, Tensor b) {
        Shape as = a.shape();
        int ca = as.c(), cb = b.shape().c(), c = ca + cb, voxels = as.n() * as.spatial();
        float[] av = f(a), bv = f(b), out = pool.dirty(voxels * c);
        elementwise(voxels, (from, to) -> {
            for (int v = from; v < to; v++) {
                System.arraycopy(av, v * ca, out, v * c, ca);
                System.arraycopy(bv, v * cb, out, v * c + ca, cb);
            }
        });
        return wrap(as.withChannels(c), out);
    }

    @Override
    public Tensor[] splitChannels(Tensor t, int first) {
        Shape s = t.shape();
        int c = s.c(), second = c - first, voxels = s.n() * s.spatial();
        float[] in = f(t), a = pool.dirty(voxels * first), b = pool.dirty(voxels * second);
        elementwise(voxels, (from, to) -> {
            for (int v = from; v < to; v++) {
                System.arraycopy(in, v * c, a, v * first, first);
                System.arraycopy(in, v * c + first, b, v * second, second);
            }
        });
        return new Tensor[] {wrap(s.withChannels(first), a), wrap(s.withChannels(second), b)};
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        float[] av = f(a), bv = f(b), out = pool.dirty(av.length);
        elementwise(av.length, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = av[i] + bv[i];
        });
        return wrap(a.shape(), out);
    }

    // ---- transformer operations ----

    @Override
    public LayerNormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps) {
        Shape s = x.shape();
        float[][] r = transformer.layerNorm(f(x), s.last(), fOrNull(gamma), fOrNull(beta), eps);
        Shape rows = new Shape(r[1].length);
        return new LayerNormOutput(wrap(s, r[0]), wrap(rows, r[1]), wrap(rows, r[2]));
    }

    @Override
    public LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor gamma, LayerNormOutput saved) {
        Shape s = x.shape();
        float[][] r =
                transformer.layerNormBackward(f(dy), f(x), s.last(), fOrNull(gamma), f(saved.mean()), f(saved.rstd()));
        Shape cs = new Shape(s.last());
        return new LayerNormGrads(
                wrap(s, r[0]), r[1] == null ? null : wrap(cs, r[1]), r[2] == null ? null : wrap(cs, r[2]));
    }

    @Override
    public Tensor gelu(Tensor x) {
        return wrap(x.shape(), transformer.gelu(f(x)));
    }

    @Override
    public Tensor geluBackward(Tensor dy, Tensor x) {
        return wrap(x.shape(), transformer.geluBackward(f(dy), f(x)));
    }

    @Override
    public Tensor gatherRows(Tensor x, RowGather g) {
        requireShape(x, g.sourceShape());
        return wrap(g.targetShape(), transformer.gatherRows(f(x), g));
    }

    @Override
    public Tensor gatherRowsBackward(Tensor dy, RowGather g) {
        requireShape(dy, g.targetShape());
        return wrap(g.sourceShape(), transformer.gatherRowsBackward(f(dy), g));
    }

    @Override
    public AttentionOutput windowAttention(Tensor qkv, Tensor bias, Tensor mask, int heads, double scale) {
        WindowLayout layout = new WindowLayout(
                qkv.shape(), heads, mask == null ? 0 : mask.shape().dim(0));
        float[][] r = transformer.windowAttention(
                f(qkv), qkv.shape(), f(bias), fOrNull(mask), layout.masks(), heads, (float) scale);
        return new AttentionOutput(wrap(layout.outShape(), r[0]), wrap(layout.probabilityShape(), r[1]));
    }

    @Override
    public AttentionGrads windowAttentionBackward(
            Tensor dout, Tensor qkv, AttentionOutput saved, int heads, double scale) {
        float[][] r = transformer.windowAttentionBackward(
                f(dout), f(qkv), qkv.shape(), f(saved.probabilities()), heads, (float) scale);
        int t = saved.probabilities().shape().dim(2);
        return new AttentionGrads(wrap(qkv.shape(), r[0]), wrap(new Shape(t, t, heads), r[1]));
    }

    private static void requireShape(Tensor t, Shape expected) {
        if (!t.shape().equals(expected))
            throw new IllegalArgumentException("a row gather of " + expected + " applied to " + t.shape());
    }

    // ---- resampling ----

    @Override
    public Tensor avgPool3d(Tensor x, int[] window) {
        Shape s = x.shape();
        Shape ys = Shape.ndhwc(s.n(), s.d() / window[0], s.h() / window[1], s.w() / window[2], s.c());
        return wrap(ys, resampling.avgPool(f(x), s, window, ys));
    }

    @Override
    public Tensor avgPool3dBackward(Tensor dy, int[] window, Shape xShape) {
        return wrap(xShape, resampling.avgPoolBackward(f(dy), dy.shape(), window, xShape));
    }

    @Override
    public Tensor upsampleTrilinear(Tensor x, int[] scale) {
        Shape s = x.shape();
        Shape ys = Shape.ndhwc(s.n(), s.d() * scale[0], s.h() * scale[1], s.w() * scale[2], s.c());
        return wrap(ys, resampling.upsampleTrilinear(f(x), s, scale));
    }

    @Override
    public Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xShape) {
        return wrap(xShape, resampling.upsampleTrilinearBackward(f(dy), xShape, scale));
    }

    // ---- loss ----

    @Override
    public LossResult diceCrossEntropy(Tensor logits, Tensor labels, LossSpec spec) {
        Shape s = logits.shape();
        if (s.c() != spec.numClasses())
            throw new IllegalArgumentException("logits have " + s.c() + " channels, loss expects " + spec.numClasses());
        float[] grad = pool.dirty(s.size());
        LossResult r = loss.compute(f(logits), f(labels), s.n(), s.spatial(), spec, grad);
        return new LossResult(r.loss(), r.crossEntropy(), r.dice(), wrap(s, grad));
    }

    @Override
    public Tensor downsampleLabels(Tensor labels, Shape t) {
        Shape s = labels.shape();
        float[] in = f(labels), out = pool.dirty(t.size());
        int[] mz = new int[t.d()], my = new int[t.h()], mx = new int[t.w()];
        for (int i = 0; i < mz.length; i++) mz[i] = NearestExact.source(i, s.d(), t.d());
        for (int i = 0; i < my.length; i++) my[i] = NearestExact.source(i, s.h(), t.h());
        for (int i = 0; i < mx.length; i++) mx[i] = NearestExact.source(i, s.w(), t.w());
        for (int n = 0; n < t.n(); n++)
            for (int z = 0; z < t.d(); z++)
                for (int y = 0; y < t.h(); y++)
                    for (int x = 0; x < t.w(); x++) {
                        out[((n * t.d() + z) * t.h() + y) * t.w() + x] =
                                in[((n * s.d() + mz[z]) * s.h() + my[y]) * s.w() + mx[x]];
                    }
        return wrap(t, out);
    }

    // ---- optimizer ----

    @Override
    public double sumOfSquares(Tensor t) {
        float[] v = f(t);
        int tasks = Math.max(1, Math.min(64, v.length / ELEMENTS_PER_TASK));
        double[] part = new double[tasks];
        parallel.forEach(tasks, task -> {
            double s = 0;
            for (int i = Parallel.sliceStart(v.length, tasks, task);
                    i < Parallel.sliceStart(v.length, tasks, task + 1);
                    i++) {
                s += (double) v[i] * v[i];
            }
            part[task] = s;
        });
        double total = 0;
        for (double p : part) total += p;
        return total;
    }

    @Override
    public void scaleInPlace(Tensor t, double factor) {
        float[] v = f(t);
        float s = (float) factor;
        elementwise(v.length, (from, to) -> {
            for (int i = from; i < to; i++) v[i] *= s;
        });
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor buffer, SgdStep st) {
        float[] p = f(param), g = f(grad), b = f(buffer);
        float lr = (float) st.lr(), mom = (float) st.momentum(), wd = (float) st.weightDecay();
        elementwise(p.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[i] + wd * p[i];
                b[i] = st.first() ? gi : mom * b[i] + gi;
                p[i] -= lr * (st.nesterov() ? gi + mom * b[i] : b[i]);
            }
        });
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor mt, Tensor vt, AdamStep st) {
        float[] p = f(param), g = f(grad), m = f(mt), v = f(vt);
        float b1 = (float) st.beta1(), b2 = (float) st.beta2(), eps = (float) st.eps(), wd = (float) st.weightDecay();
        float lr = (float) st.lr();
        float stepSize = (float) (st.lr() / (1 - Math.pow(st.beta1(), st.t())));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(st.beta2(), st.t()));
        elementwise(p.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                if (st.decoupled()) p[i] *= 1 - lr * wd;
                else gi += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                p[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / bc2Sqrt + eps);
            }
        });
    }

    private interface Range {
        void run(int from, int to);
    }

    /** Splits an element-wise loop into chunks; each element is computed alone, so any split is deterministic. */
    private void elementwise(int length, Range body) {
        int tasks = Math.max(1, Math.min(4 * parallel.threads(), length / ELEMENTS_PER_TASK));
        parallel.forEach(
                tasks, t -> body.run(Parallel.sliceStart(length, tasks, t), Parallel.sliceStart(length, tasks, t + 1)));
    }
}
