package org.backsplit.backend;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Wraps a backend and times every operation (synchronising before and after, so GPU work is attributed to the op that
 * issued it): the per-kernel breakdown of a training step. Slows the step down; use it to see where time goes, not to
 * measure the step.
 */
public final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> totals = new TreeMap<>(); // op -> {calls, nanoseconds}

    public ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    private <T> T timed(String op, Supplier<T> work) {
        inner.synchronize();
        long t0 = System.nanoTime();
        T result = work.get();
        inner.synchronize();
        long[] t = totals.computeIfAbsent(op, k -> new long[2]);
        t[0]++;
        t[1] += System.nanoTime() - t0;
        return result;
    }

    private void timedVoid(String op, Runnable work) {
        timed(op, () -> {
            work.run();
            return null;
        });
    }

    /** Milliseconds and call counts per op since the last reset, most expensive first. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        double total = totals.values().stream().mapToLong(t -> t[1]).sum() / 1e6;
        totals.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .forEach(e -> sb.append(String.format(
                        "%-34s %6d calls %10.3f ms %5.1f%%%n",
                        e.getKey(), e.getValue()[0], e.getValue()[1] / 1e6, 100 * e.getValue()[1] / 1e6 / total)));
        sb.append(String.format("%-34s %17s %10.3f ms%n", "total", "", total));
        return sb.toString();
    }

    public void reset() {
        totals.clear();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String name() {
        return "profiled " + inner.name();
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public Tensor zeros(Shape shape) {
        return inner.zeros(shape);
    }

    @Override
    public Tensor upload(float[] data, Shape shape) {
        return inner.upload(data, shape);
    }

    @Override
    public float[] download(Tensor t) {
        return inner.download(t);
    }

    @Override
    public Tensor uploadExact(double[] data, Shape shape) {
        return inner.uploadExact(data, shape);
    }

    @Override
    public double[] downloadExact(Tensor t) {
        return inner.downloadExact(t);
    }

    /** "conv3d 333 C8->16 32^3 /2": the kernel, channels, input size and stride, so each layer has its own line. */
    private static String conv(ConvGeometry g, Shape xs, int k) {
        int[] kk = g.kernel(), s = g.stride();
        String size = xs.d() == xs.h() && xs.h() == xs.w() ? xs.d() + "^3" : xs.d() + "x" + xs.h() + "x" + xs.w();
        String stride = s[0] == 1 && s[1] == 1 && s[2] == 1 ? "" : " /" + s[0] + s[1] + s[2];
        return "conv3d " + kk[0] + kk[1] + kk[2] + " C" + xs.c() + "->" + k + " " + size + stride;
    }

    @Override
    public Tensor conv3d(Tensor x, Tensor w, Tensor b, ConvGeometry g) {
        return timed(conv(g, x.shape(), w.shape().dim(0)) + " forward", () -> inner.conv3d(x, w, b, g));
    }

    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor w, ConvGeometry g, Shape xs) {
        return timed(conv(g, xs, w.shape().dim(0)) + " backward data", () -> inner.conv3dBackwardData(dy, w, g, xs));
    }

    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor w, ConvGeometry g, Tensor x) {
        return timed(
                conv(g, x.shape(), w.shape().dim(0)) + " backward data", () -> inner.conv3dBackwardData(dy, w, g, x));
    }

    @Override
    public WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        return timed(
                conv(g, x.shape(), dy.shape().c()) + " backward weight",
                () -> inner.conv3dBackwardWeight(x, dy, g, withBias));
    }

    @Override
    public Tensor convTranspose3d(Tensor x, Tensor w, Tensor b, int[] s) {
        return timed("transposed conv forward", () -> inner.convTranspose3d(x, w, b, s));
    }

    @Override
    public Tensor convTranspose3dBackwardData(Tensor dy, Tensor w, int[] s) {
        return timed("transposed conv backward data", () -> inner.convTranspose3dBackwardData(dy, w, s));
    }

    @Override
    public WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] s, boolean withBias) {
        return timed("transposed conv backward weight", () -> inner.convTranspose3dBackwardWeight(x, dy, s, withBias));
    }

    @Override
    public GroupNormOutput groupNormLeakyRelu(Tensor x, Tensor g, Tensor b, int groups, double eps, double slope) {
        return timed("group norm + LeakyReLU forward", () -> inner.groupNormLeakyRelu(x, g, b, groups, eps, slope));
    }

    @Override
    public GroupNormGrads groupNormLeakyReluBackward(
            Tensor dy, Tensor x, Tensor y, Tensor g, GroupNormOutput saved, int groups, double slope) {
        return timed(
                "group norm + LeakyReLU backward",
                () -> inner.groupNormLeakyReluBackward(dy, x, y, g, saved, groups, slope));
    }

    @Override
    public GroupNormOutput groupNorm(Tensor x, Tensor g, Tensor b, int groups, double eps) {
        return timed("group norm forward", () -> inner.groupNorm(x, g, b, groups, eps));
    }

    @Override
    public GroupNormGrads groupNormBackward(Tensor dy, Tensor x, Tensor g, GroupNormOutput saved, int groups) {
        return timed("group norm backward", () -> inner.groupNormBackward(dy, x, g, saved, groups));
    }

    @Override
    public Tensor avgPool3d(Tensor x, int[] window) {
        return timed("average pool forward", () -> inner.avgPool3d(x, window));
    }

    @Override
    public Tensor avgPool3dBackward(Tensor dy, int[] window, Shape xShape) {
        return timed("average pool backward", () -> inner.avgPool3dBackward(dy, window, xShape));
    }

    @Override
    public Tensor upsampleTrilinear(Tensor x, int[] scale) {
        return timed("trilinear upsample forward", () -> inner.upsampleTrilinear(x, scale));
    }

    @Override
    public Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xShape) {
        return timed("trilinear upsample backward", () -> inner.upsampleTrilinearBackward(dy, scale, xShape));
    }

    @Override
    public LayerNormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps) {
        return timed("layer norm forward", () -> inner.layerNorm(x, gamma, beta, eps));
    }

    @Override
    public LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor gamma, LayerNormOutput saved) {
        return timed("layer norm backward", () -> inner.layerNormBackward(dy, x, gamma, saved));
    }

    @Override
    public Tensor gelu(Tensor x) {
        return timed("GELU forward", () -> inner.gelu(x));
    }

    @Override
    public Tensor geluBackward(Tensor dy, Tensor x) {
        return timed("GELU backward", () -> inner.geluBackward(dy, x));
    }

    @Override
    public Tensor gatherRows(Tensor x, RowGather g) {
        return timed("row gather forward", () -> inner.gatherRows(x, g));
    }

    @Override
    public Tensor gatherRowsBackward(Tensor dy, RowGather g) {
        return timed("row gather backward", () -> inner.gatherRowsBackward(dy, g));
    }

    @Override
    public AttentionOutput windowAttention(Tensor qkv, Tensor bias, Tensor mask, int heads, double scale) {
        return timed(
                "window attention forward T" + new WindowLayout(qkv.shape(), heads, 0).tokens(),
                () -> inner.windowAttention(qkv, bias, mask, heads, scale));
    }

    @Override
    public AttentionGrads windowAttentionBackward(
            Tensor dout, Tensor qkv, AttentionOutput saved, int heads, double scale) {
        return timed(
                "window attention backward T" + new WindowLayout(qkv.shape(), heads, 0).tokens(),
                () -> inner.windowAttentionBackward(dout, qkv, saved, heads, scale));
    }

    @Override
    public Tensor leakyRelu(Tensor x, double slope) {
        return timed("LeakyReLU forward", () -> inner.leakyRelu(x, slope));
    }

    @Override
    public Tensor leakyReluBackward(Tensor dy, Tensor y, double slope) {
        return timed("LeakyReLU backward", () -> inner.leakyReluBackward(dy, y, slope));
    }

    @Override
    public Tensor concatChannels(Tensor a, Tensor b) {
        return timed("concat", () -> inner.concatChannels(a, b));
    }

    @Override
    public Tensor[] splitChannels(Tensor t, int first) {
        return timed("split", () -> inner.splitChannels(t, first));
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return timed("add", () -> inner.add(a, b));
    }

    @Override
    public LossResult diceCrossEntropy(Tensor logits, Tensor labels, LossSpec spec) {
        return timed("Dice + CE", () -> inner.diceCrossEntropy(logits, labels, spec));
    }

    @Override
    public Tensor downsampleLabels(Tensor labels, Shape target) {
        return timed("label downsampling", () -> inner.downsampleLabels(labels, target));
    }

    @Override
    public double sumOfSquares(Tensor t) {
        return timed("sum of squares", () -> inner.sumOfSquares(t));
    }

    @Override
    public void scaleInPlace(Tensor t, double f) {
        timedVoid("scale", () -> inner.scaleInPlace(t, f));
    }

    @Override
    public PendingScalar clipGradNorm(java.util.List<Tensor> grads, double maxNorm) {
        return timed("gradient clipping", () -> inner.clipGradNorm(grads, maxNorm));
    }

    @Override
    public void sgdStep(Tensor p, Tensor g, Tensor b, SgdStep st) {
        timedVoid("SGD step", () -> inner.sgdStep(p, g, b, st));
    }

    @Override
    public void adamStep(Tensor p, Tensor g, Tensor m, Tensor v, AdamStep st) {
        timedVoid("Adam step", () -> inner.adamStep(p, g, m, v, st));
    }
}
