package org.backsplit.backend;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.gaussian;
import static org.backsplit.TestArrays.labels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every operation of a float32 backend (the candidate) against an oracle backend on the same random inputs: odd sizes,
 * channel counts that are not multiples of 8, batch 1 and 2, stride 2, anisotropic kernels, the ignore label.
 * Tolerances are float32 rounding of sums of up to a few thousand terms, relative to the largest value of the tensor;
 * they hold whether the oracle is the double reference or the float CPU backend. Each subclass names its pair.
 */
abstract class BackendParityContract {
    private static final double CONV_TOL = 2e-5;
    private static final double ELEMENTWISE_TOL = 2e-6;

    /** The backend checked against: the double reference, or the CPU backend for the GPU. */
    abstract Backend oracleBackend();

    /** The backend under test. */
    abstract Backend candidateBackend();

    private Backend oracle;
    private Backend candidate;

    @org.junit.jupiter.api.BeforeEach
    void pick() {
        oracle = oracleBackend();
        candidate = candidateBackend();
    }

    private double[] candidateValues(Tensor t) {
        return candidate.downloadExact(t);
    }

    static Stream<OpCases.Conv> convs() {
        return Stream.concat(OpCases.SMALL_CONVS.stream(), OpCases.WIDE_CONVS.stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void convolutionAllPasses(OpCases.Conv c) {
        Random rnd = new Random(21);
        ConvGeometry g = c.geometry();
        Shape ys = g.outShape(c.x(), c.k());
        double[] x = roundToFloat(gaussian(rnd, c.x().size(), 1)),
                w = roundToFloat(gaussian(rnd, c.weight().size(), 0.2));
        double[] b = roundToFloat(gaussian(rnd, c.k(), 0.5)), dy = roundToFloat(gaussian(rnd, ys.size(), 1));
        Shape bs = new Shape(c.k());

        Tensor yRef = oracle.conv3d(
                oracle.uploadExact(x, c.x()), oracle.uploadExact(w, c.weight()), oracle.uploadExact(b, bs), g);
        Tensor yCpu = candidate.conv3d(
                candidate.uploadExact(x, c.x()), candidate.uploadExact(w, c.weight()), candidate.uploadExact(b, bs), g);
        assertEquals(yRef.shape(), yCpu.shape());
        assertRelClose(c.name() + " forward", oracle.downloadExact(yRef), candidateValues(yCpu), CONV_TOL);

        assertRelClose(
                c.name() + " backward data",
                oracle.downloadExact(oracle.conv3dBackwardData(
                        oracle.uploadExact(dy, ys), oracle.uploadExact(w, c.weight()), g, c.x())),
                candidateValues(candidate.conv3dBackwardData(
                        candidate.uploadExact(dy, ys), candidate.uploadExact(w, c.weight()), g, c.x())),
                CONV_TOL);

        WeightGrads gr = oracle.conv3dBackwardWeight(oracle.uploadExact(x, c.x()), oracle.uploadExact(dy, ys), g, true);
        WeightGrads gc =
                candidate.conv3dBackwardWeight(candidate.uploadExact(x, c.x()), candidate.uploadExact(dy, ys), g, true);
        assertRelClose(
                c.name() + " backward weight",
                oracle.downloadExact(gr.weight()),
                candidateValues(gc.weight()),
                CONV_TOL);
        assertRelClose(
                c.name() + " backward bias", oracle.downloadExact(gr.bias()), candidateValues(gc.bias()), CONV_TOL);
    }

    /**
     * A convolution of a channel concatenation (the U-Net's skip connection), all passes, the input gradient split
     * back: a backend may keep the concatenation as two tensors (CUDA does) and must give the same.
     */
    @ParameterizedTest(name = "stride {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void convolutionOfAConcatenation(int stride) {
        checkConcatenation(5, 7, 9, stride);
    }

    /** Parts of 16 and 32 channels: the GPU's channel-aligned kernels read and write the pair in place. */
    @ParameterizedTest(name = "stride {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
    void convolutionOfAnAlignedConcatenation(int stride) {
        checkConcatenation(16, 32, 32, stride);
    }

    /** conv3d of [a, b] (channels first and second) to k outputs, all three passes, through concatChannels. */
    private void checkConcatenation(int first, int second, int k, int stride) {
        Random rnd = new Random(23);
        Shape sa = Shape.ndhwc(2, 5, 6, 7, first), sb = sa.withChannels(second), sx = sa.withChannels(first + second);
        ConvGeometry g = ConvGeometry.same(new int[] {3, 3, 3}, new int[] {stride, 1, stride});
        Shape ws = new Shape(k, 3, 3, 3, first + second), ys = g.outShape(sx, k);
        double[] a = roundToFloat(gaussian(rnd, sa.size(), 1)), b = roundToFloat(gaussian(rnd, sb.size(), 1));
        double[] w = roundToFloat(gaussian(rnd, ws.size(), 0.2)), dy = roundToFloat(gaussian(rnd, ys.size(), 1));
        java.util.List<double[][]> results = new java.util.ArrayList<>();
        for (Backend be : new Backend[] {oracle, candidate}) {
            Tensor ta = be.uploadExact(a, sa),
                    tb = be.uploadExact(b, sb),
                    tw = be.uploadExact(w, ws),
                    tdy = be.uploadExact(dy, ys);
            Tensor cat = be.concatChannels(ta, tb);
            Tensor y = be.conv3d(cat, tw, null, g);
            WeightGrads gw = be.conv3dBackwardWeight(cat, tdy, g, false);
            Tensor[] parts = be.splitChannels(be.conv3dBackwardData(tdy, tw, g, cat), first);
            results.add(new double[][] {
                be.downloadExact(y),
                be.downloadExact(gw.weight()),
                be.downloadExact(parts[0]),
                be.downloadExact(parts[1])
            });
        }
        String[] what = {"forward", "backward weight", "backward data, first part", "backward data, second part"};
        for (int i = 0; i < what.length; i++)
            assertRelClose("concatenation " + what[i], results.get(0)[i], results.get(1)[i], CONV_TOL);
    }

    static Stream<OpCases.Transposed> transposed() {
        return Stream.concat(OpCases.SMALL_TRANSPOSED.stream(), OpCases.WIDE_TRANSPOSED.stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transposed")
    void transposedConvolutionAllPasses(OpCases.Transposed c) {
        Random rnd = new Random(22);
        int[] s = c.stride();
        Shape ys = Shape.ndhwc(c.x().n(), c.x().d() * s[0], c.x().h() * s[1], c.x().w() * s[2], c.co());
        double[] x = roundToFloat(gaussian(rnd, c.x().size(), 1)),
                w = roundToFloat(gaussian(rnd, c.weight().size(), 0.2));
        double[] b = roundToFloat(gaussian(rnd, c.co(), 0.5)), dy = roundToFloat(gaussian(rnd, ys.size(), 1));
        Shape bs = new Shape(c.co());
        assertRelClose(
                c.name() + " forward",
                oracle.downloadExact(oracle.convTranspose3d(
                        oracle.uploadExact(x, c.x()), oracle.uploadExact(w, c.weight()), oracle.uploadExact(b, bs), s)),
                candidateValues(candidate.convTranspose3d(
                        candidate.uploadExact(x, c.x()),
                        candidate.uploadExact(w, c.weight()),
                        candidate.uploadExact(b, bs),
                        s)),
                CONV_TOL);
        assertRelClose(
                c.name() + " backward data",
                oracle.downloadExact(oracle.convTranspose3dBackwardData(
                        oracle.uploadExact(dy, ys), oracle.uploadExact(w, c.weight()), s)),
                candidateValues(candidate.convTranspose3dBackwardData(
                        candidate.uploadExact(dy, ys), candidate.uploadExact(w, c.weight()), s)),
                CONV_TOL);
        WeightGrads gr =
                oracle.convTranspose3dBackwardWeight(oracle.uploadExact(x, c.x()), oracle.uploadExact(dy, ys), s, true);
        WeightGrads gc = candidate.convTranspose3dBackwardWeight(
                candidate.uploadExact(x, c.x()), candidate.uploadExact(dy, ys), s, true);
        assertRelClose(
                c.name() + " backward weight",
                oracle.downloadExact(gr.weight()),
                candidateValues(gc.weight()),
                CONV_TOL);
        assertRelClose(
                c.name() + " backward bias", oracle.downloadExact(gr.bias()), candidateValues(gc.bias()), CONV_TOL);
    }

    static Stream<Shape> normShapes() {
        return OpCases.NORM_SHAPES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("normShapes")
    void instanceNormForwardAndBackward(Shape s) {
        Random rnd = new Random(23);
        Shape cs = new Shape(s.c());
        double[] x = roundToFloat(gaussian(rnd, s.size(), 2)), gamma = roundToFloat(gaussian(rnd, s.c(), 1));
        double[] beta = roundToFloat(gaussian(rnd, s.c(), 1)), dy = roundToFloat(gaussian(rnd, s.size(), 1));
        for (int i = 0; i < x.length; i++) x[i] = (float) (x[i] + 5);
        GroupNormOutput fr = oracle.groupNorm(
                oracle.uploadExact(x, s), oracle.uploadExact(gamma, cs), oracle.uploadExact(beta, cs), s.c(), 1e-5);
        GroupNormOutput fc = candidate.groupNorm(
                candidate.uploadExact(x, s),
                candidate.uploadExact(gamma, cs),
                candidate.uploadExact(beta, cs),
                s.c(),
                1e-5);
        assertRelClose("norm forward " + s, oracle.downloadExact(fr.y()), candidateValues(fc.y()), 1e-5);
        GroupNormGrads gr = oracle.groupNormBackward(
                oracle.uploadExact(dy, s), oracle.uploadExact(x, s), oracle.uploadExact(gamma, cs), fr, s.c());
        GroupNormGrads gc = candidate.groupNormBackward(
                candidate.uploadExact(dy, s), candidate.uploadExact(x, s), candidate.uploadExact(gamma, cs), fc, s.c());
        assertRelClose("norm dx " + s, oracle.downloadExact(gr.dx()), candidateValues(gc.dx()), 1e-4);
        assertRelClose("norm dgamma " + s, oracle.downloadExact(gr.dgamma()), candidateValues(gc.dgamma()), 1e-5);
        assertRelClose("norm dbeta " + s, oracle.downloadExact(gr.dbeta()), candidateValues(gc.dbeta()), 1e-5);

        GroupNormOutput lr = oracle.groupNormLeakyRelu(
                oracle.uploadExact(x, s),
                oracle.uploadExact(gamma, cs),
                oracle.uploadExact(beta, cs),
                s.c(),
                1e-5,
                0.01);
        GroupNormOutput lc = candidate.groupNormLeakyRelu(
                candidate.uploadExact(x, s),
                candidate.uploadExact(gamma, cs),
                candidate.uploadExact(beta, cs),
                s.c(),
                1e-5,
                0.01);
        assertRelClose("norm+lrelu forward " + s, oracle.downloadExact(lr.y()), candidateValues(lc.y()), 1e-5);
        GroupNormGrads hr = oracle.groupNormLeakyReluBackward(
                oracle.uploadExact(dy, s),
                oracle.uploadExact(x, s),
                lr.y(),
                oracle.uploadExact(gamma, cs),
                lr,
                s.c(),
                0.01);
        GroupNormGrads hc = candidate.groupNormLeakyReluBackward(
                candidate.uploadExact(dy, s),
                candidate.uploadExact(x, s),
                lc.y(),
                candidate.uploadExact(gamma, cs),
                lc,
                s.c(),
                0.01);
        assertRelClose("norm+lrelu dx " + s, oracle.downloadExact(hr.dx()), candidateValues(hc.dx()), 1e-4);
        assertRelClose("norm+lrelu dgamma " + s, oracle.downloadExact(hr.dgamma()), candidateValues(hc.dgamma()), 1e-5);
        assertRelClose("norm+lrelu dbeta " + s, oracle.downloadExact(hr.dbeta()), candidateValues(hc.dbeta()), 1e-5);
    }

    static Stream<Arguments> groupNorms() {
        return Stream.of(
                Arguments.of(Shape.ndhwc(1, 3, 4, 5, 8), 8),
                Arguments.of(Shape.ndhwc(2, 5, 3, 3, 16), 8),
                Arguments.of(Shape.ndhwc(2, 17, 19, 18, 32), 8),
                Arguments.of(Shape.ndhwc(1, 9, 11, 13, 6), 3),
                Arguments.of(Shape.ndhwc(2, 6, 7, 5, 40), 1));
    }

    @ParameterizedTest(name = "{0} in {1} groups")
    @MethodSource("groupNorms")
    void groupNormForwardAndBackward(Shape s, int groups) {
        Random rnd = new Random(33);
        Shape cs = new Shape(s.c());
        double[] x = roundToFloat(gaussian(rnd, s.size(), 2)), gamma = roundToFloat(gaussian(rnd, s.c(), 1));
        double[] beta = roundToFloat(gaussian(rnd, s.c(), 1)), dy = roundToFloat(gaussian(rnd, s.size(), 1));
        for (int i = 0; i < x.length; i++) x[i] = (float) (x[i] + 5);
        GroupNormOutput fr = oracle.groupNorm(
                oracle.uploadExact(x, s), oracle.uploadExact(gamma, cs), oracle.uploadExact(beta, cs), groups, 1e-5);
        GroupNormOutput fc = candidate.groupNorm(
                candidate.uploadExact(x, s),
                candidate.uploadExact(gamma, cs),
                candidate.uploadExact(beta, cs),
                groups,
                1e-5);
        assertRelClose("group norm forward " + s, oracle.downloadExact(fr.y()), candidateValues(fc.y()), 1e-5);
        GroupNormGrads gr = oracle.groupNormBackward(
                oracle.uploadExact(dy, s), oracle.uploadExact(x, s), oracle.uploadExact(gamma, cs), fr, groups);
        GroupNormGrads gc = candidate.groupNormBackward(
                candidate.uploadExact(dy, s),
                candidate.uploadExact(x, s),
                candidate.uploadExact(gamma, cs),
                fc,
                groups);
        assertRelClose("group norm dx " + s, oracle.downloadExact(gr.dx()), candidateValues(gc.dx()), 1e-4);
        assertRelClose("group norm dgamma " + s, oracle.downloadExact(gr.dgamma()), candidateValues(gc.dgamma()), 1e-5);
        assertRelClose("group norm dbeta " + s, oracle.downloadExact(gr.dbeta()), candidateValues(gc.dbeta()), 1e-5);
    }

    static Stream<TransformerCases.Norm> layerNorms() {
        return TransformerCases.NORMS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layerNorms")
    void layerNormForwardAndBackward(TransformerCases.Norm c) {
        Random rnd = new Random(51);
        Shape s = c.shape(), cs = new Shape(s.last());
        double[] x = roundToFloat(gaussian(rnd, s.size(), 2)), dy = roundToFloat(gaussian(rnd, s.size(), 1));
        double[] gamma = roundToFloat(gaussian(rnd, s.last(), 1)), beta = roundToFloat(gaussian(rnd, s.last(), 1));
        for (int i = 0; i < x.length; i++) x[i] = (float) (x[i] + 5);
        LayerNormOutput fr = oracle.layerNorm(
                oracle.uploadExact(x, s),
                c.affine() ? oracle.uploadExact(gamma, cs) : null,
                c.affine() ? oracle.uploadExact(beta, cs) : null,
                1e-5);
        LayerNormOutput fc = candidate.layerNorm(
                candidate.uploadExact(x, s),
                c.affine() ? candidate.uploadExact(gamma, cs) : null,
                c.affine() ? candidate.uploadExact(beta, cs) : null,
                1e-5);
        assertRelClose("layer norm forward " + c, oracle.downloadExact(fr.y()), candidateValues(fc.y()), 1e-5);
        LayerNormGrads gr = oracle.layerNormBackward(
                oracle.uploadExact(dy, s),
                oracle.uploadExact(x, s),
                c.affine() ? oracle.uploadExact(gamma, cs) : null,
                fr);
        LayerNormGrads gc = candidate.layerNormBackward(
                candidate.uploadExact(dy, s),
                candidate.uploadExact(x, s),
                c.affine() ? candidate.uploadExact(gamma, cs) : null,
                fc);
        assertRelClose("layer norm dx " + c, oracle.downloadExact(gr.dx()), candidateValues(gc.dx()), 1e-4);
        if (c.affine()) {
            assertRelClose(
                    "layer norm dgamma " + c, oracle.downloadExact(gr.dgamma()), candidateValues(gc.dgamma()), 1e-5);
            assertRelClose(
                    "layer norm dbeta " + c, oracle.downloadExact(gr.dbeta()), candidateValues(gc.dbeta()), 1e-5);
        }
    }

    @Test
    void geluForwardAndBackward() {
        Random rnd = new Random(52);
        Shape s = Shape.ndhwc(2, 5, 7, 3, 11);
        double[] x = roundToFloat(gaussian(rnd, s.size(), 4)), dy = roundToFloat(gaussian(rnd, s.size(), 1));
        assertRelClose(
                "gelu forward",
                oracle.downloadExact(oracle.gelu(oracle.uploadExact(x, s))),
                candidateValues(candidate.gelu(candidate.uploadExact(x, s))),
                ELEMENTWISE_TOL);
        assertRelClose(
                "gelu backward",
                oracle.downloadExact(oracle.geluBackward(oracle.uploadExact(dy, s), oracle.uploadExact(x, s))),
                candidateValues(candidate.geluBackward(candidate.uploadExact(dy, s), candidate.uploadExact(x, s))),
                ELEMENTWISE_TOL);
    }

    static Stream<TransformerCases.Windows> windowCases() {
        return Stream.concat(TransformerCases.SMALL_WINDOWS.stream(), TransformerCases.WINDOWS.stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windowCases")
    void rowGathers(TransformerCases.Windows c) {
        Random rnd = new Random(53);
        for (RowGather g : TransformerCases.gathers(c)) {
            double[] x = roundToFloat(gaussian(rnd, g.sourceShape().size(), 1));
            double[] dy = roundToFloat(gaussian(rnd, g.targetShape().size(), 1));
            String what = "gather " + g.sourceShape() + " -> " + g.targetShape();
            assertArrayEquals(
                    oracle.downloadExact(oracle.gatherRows(oracle.uploadExact(x, g.sourceShape()), g)),
                    candidateValues(candidate.gatherRows(candidate.uploadExact(x, g.sourceShape()), g)),
                    what);
            assertRelClose(
                    what + " backward",
                    oracle.downloadExact(oracle.gatherRowsBackward(oracle.uploadExact(dy, g.targetShape()), g)),
                    candidateValues(candidate.gatherRowsBackward(candidate.uploadExact(dy, g.targetShape()), g)),
                    ELEMENTWISE_TOL);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windowCases")
    void windowAttention(TransformerCases.Windows c) {
        Random rnd = new Random(54);
        var w = c.windows();
        Shape qs = w.windowShape(3 * c.channels()), bs = new Shape(w.tokens(), w.tokens(), c.heads());
        double scale = 1 / Math.sqrt((double) c.channels() / c.heads());
        double[] qkv = roundToFloat(gaussian(rnd, qs.size(), 1)), bias = roundToFloat(gaussian(rnd, bs.size(), 0.5));
        double[] dout = roundToFloat(gaussian(rnd, w.windowShape(c.channels()).size(), 1));
        float[] mask = w.mask();
        AttentionOutput fr = oracle.windowAttention(
                oracle.uploadExact(qkv, qs),
                oracle.uploadExact(bias, bs),
                mask == null ? null : oracle.upload(mask, w.maskShape()),
                c.heads(),
                scale);
        AttentionOutput fc = candidate.windowAttention(
                candidate.uploadExact(qkv, qs),
                candidate.uploadExact(bias, bs),
                mask == null ? null : candidate.upload(mask, w.maskShape()),
                c.heads(),
                scale);
        assertRelClose("attention out " + c, oracle.downloadExact(fr.out()), candidateValues(fc.out()), 1e-5);
        assertRelClose(
                "attention probabilities " + c,
                oracle.downloadExact(fr.probabilities()),
                candidateValues(fc.probabilities()),
                1e-5);
        Shape os = fr.out().shape();
        AttentionGrads gr = oracle.windowAttentionBackward(
                oracle.uploadExact(dout, os), oracle.uploadExact(qkv, qs), fr, c.heads(), scale);
        AttentionGrads gc = candidate.windowAttentionBackward(
                candidate.uploadExact(dout, os), candidate.uploadExact(qkv, qs), fc, c.heads(), scale);
        assertRelClose("attention dqkv " + c, oracle.downloadExact(gr.dqkv()), candidateValues(gc.dqkv()), 1e-4);
        assertRelClose("attention dbias " + c, oracle.downloadExact(gr.dbias()), candidateValues(gc.dbias()), 1e-4);
    }

    static Stream<Arguments> resamplings() {
        return Stream.of(
                Arguments.of(Shape.ndhwc(2, 8, 6, 10, 3), new int[] {2, 2, 2}),
                Arguments.of(Shape.ndhwc(1, 3, 9, 7, 32), new int[] {1, 2, 2}),
                Arguments.of(Shape.ndhwc(2, 5, 4, 6, 40), new int[] {2, 1, 2}),
                Arguments.of(Shape.ndhwc(1, 1, 5, 5, 8), new int[] {1, 3, 2}));
    }

    @ParameterizedTest(name = "{0} factor {1}")
    @MethodSource("resamplings")
    void averagePoolingAndTrilinearUpsampling(Shape s, int[] k) {
        Random rnd = new Random(34);
        Shape pooled = Shape.ndhwc(s.n(), s.d() / k[0], s.h() / k[1], s.w() / k[2], s.c());
        Shape upsampled = Shape.ndhwc(s.n(), s.d() * k[0], s.h() * k[1], s.w() * k[2], s.c());
        double[] x = roundToFloat(gaussian(rnd, s.size(), 1)), dp = roundToFloat(gaussian(rnd, pooled.size(), 1));
        double[] du = roundToFloat(gaussian(rnd, upsampled.size(), 1));
        assertRelClose(
                "avg pool " + s,
                oracle.downloadExact(oracle.avgPool3d(oracle.uploadExact(x, s), k)),
                candidateValues(candidate.avgPool3d(candidate.uploadExact(x, s), k)),
                ELEMENTWISE_TOL);
        assertRelClose(
                "avg pool backward " + s,
                oracle.downloadExact(oracle.avgPool3dBackward(oracle.uploadExact(dp, pooled), k, s)),
                candidateValues(candidate.avgPool3dBackward(candidate.uploadExact(dp, pooled), k, s)),
                ELEMENTWISE_TOL);
        assertRelClose(
                "upsample " + s,
                oracle.downloadExact(oracle.upsampleTrilinear(oracle.uploadExact(x, s), k)),
                candidateValues(candidate.upsampleTrilinear(candidate.uploadExact(x, s), k)),
                ELEMENTWISE_TOL);
        assertRelClose(
                "upsample backward " + s,
                oracle.downloadExact(oracle.upsampleTrilinearBackward(oracle.uploadExact(du, upsampled), k, s)),
                candidateValues(candidate.upsampleTrilinearBackward(candidate.uploadExact(du, upsampled), k, s)),
                1e-5);
    }

    @Test
    void activationAndPlumbing() {
        Random rnd = new Random(24);
        Shape s = Shape.ndhwc(2, 9, 7, 5, 6), s2 = s.withChannels(3);
        double[] x = roundToFloat(gaussian(rnd, s.size(), 1)), dy = roundToFloat(gaussian(rnd, s.size(), 1));
        double[] x2 = roundToFloat(gaussian(rnd, s2.size(), 1));
        Tensor yR = oracle.leakyRelu(oracle.uploadExact(x, s), 0.01),
                yC = candidate.leakyRelu(candidate.uploadExact(x, s), 0.01);
        assertRelClose("leaky relu", oracle.downloadExact(yR), candidateValues(yC), ELEMENTWISE_TOL);
        assertRelClose(
                "leaky relu backward",
                oracle.downloadExact(oracle.leakyReluBackward(oracle.uploadExact(dy, s), yR, 0.01)),
                candidateValues(candidate.leakyReluBackward(candidate.uploadExact(dy, s), yC, 0.01)),
                ELEMENTWISE_TOL);
        Tensor rR = oracle.leakyRelu(oracle.uploadExact(x, s), 0),
                rC = candidate.leakyRelu(candidate.uploadExact(x, s), 0);
        assertRelClose("relu", oracle.downloadExact(rR), candidateValues(rC), ELEMENTWISE_TOL);
        assertRelClose(
                "relu backward",
                oracle.downloadExact(oracle.leakyReluBackward(oracle.uploadExact(dy, s), rR, 0)),
                candidateValues(candidate.leakyReluBackward(candidate.uploadExact(dy, s), rC, 0)),
                ELEMENTWISE_TOL);
        Tensor cat = candidate.concatChannels(candidate.uploadExact(x, s), candidate.uploadExact(x2, s2));
        assertArrayEquals(
                oracle.downloadExact(oracle.concatChannels(oracle.uploadExact(x, s), oracle.uploadExact(x2, s2))),
                candidateValues(cat));
        assertArrayEquals(x, candidateValues(candidate.uploadExact(x, s)), "upload/download round trip");
        Tensor[] parts = candidate.splitChannels(cat, 6);
        assertArrayEquals(x, candidateValues(parts[0]));
        assertArrayEquals(x2, candidateValues(parts[1]));
        assertRelClose(
                "add",
                oracle.downloadExact(oracle.add(oracle.uploadExact(x, s), oracle.uploadExact(dy, s))),
                candidateValues(candidate.add(candidate.uploadExact(x, s), candidate.uploadExact(dy, s))),
                ELEMENTWISE_TOL);
    }

    static Stream<Arguments> losses() {
        return Stream.of(
                Arguments.of(Shape.ndhwc(2, 9, 8, 7, 3), true, -1, new int[] {1, 2}, -1),
                Arguments.of(Shape.ndhwc(2, 20, 21, 22, 4), false, 4, new int[] {1, 2, 3}, -1),
                Arguments.of(Shape.ndhwc(1, 5, 6, 7, 5), true, 7, new int[] {1}, -1),
                Arguments.of(Shape.ndhwc(2, 11, 12, 13, 5), true, 7, new int[] {1, 2, 3, 4}, 6),
                Arguments.of(Shape.ndhwc(2, 9, 10, 11, 4), false, -1, new int[] {1, 3}, 5));
    }

    @ParameterizedTest
    @MethodSource("losses")
    void diceCrossEntropy(Shape s, boolean batchDice, int ignore, int[] diceClasses, int merged) {
        Random rnd = new Random(25);
        LossSpec spec = ReferenceGradientTest.lossSpec(s, batchDice, ignore, diceClasses, merged)
                .withWeight(0.5);
        Shape ls = s.withChannels(1);
        double[] z = roundToFloat(gaussian(rnd, s.size(), 3)),
                lab = ReferenceGradientTest.lossLabels(rnd, ls.size(), s.c(), ignore, merged);
        LossResult r = oracle.diceCrossEntropy(oracle.uploadExact(z, s), oracle.uploadExact(lab, ls), spec);
        LossResult c = candidate.diceCrossEntropy(candidate.uploadExact(z, s), candidate.uploadExact(lab, ls), spec);
        assertEquals(r.loss(), c.loss(), 1e-6 * Math.max(1, Math.abs(r.loss())));
        assertEquals(r.crossEntropy(), c.crossEntropy(), 1e-6 * Math.max(1, r.crossEntropy()));
        assertEquals(r.dice(), c.dice(), 1e-6);
        assertRelClose(
                "loss gradient " + s, oracle.downloadExact(r.gradLogits()), candidateValues(c.gradLogits()), 1e-5);
    }

    @Test
    void labelDownsampling() {
        Random rnd = new Random(26);
        Shape s = Shape.ndhwc(2, 9, 16, 7, 1), t = Shape.ndhwc(2, 5, 8, 4, 1);
        double[] lab = labels(rnd, s.size(), 5, -1, 0);
        assertArrayEquals(
                oracle.downloadExact(oracle.downsampleLabels(oracle.uploadExact(lab, s), t)),
                candidateValues(candidate.downsampleLabels(candidate.uploadExact(lab, s), t)));
    }

    @Test
    void optimizerSteps() {
        Random rnd = new Random(27);
        Shape s = new Shape(1000);
        double[] p = roundToFloat(gaussian(rnd, 1000, 1)), g = roundToFloat(gaussian(rnd, 1000, 1));
        Tensor pr = oracle.uploadExact(p, s),
                br = oracle.zeros(s),
                pc = candidate.uploadExact(p, s),
                bc = candidate.zeros(s);
        for (int step = 0; step < 3; step++) {
            SgdStep st = new SgdStep(0.01, 0.99, 3e-5, true, step == 0);
            oracle.sgdStep(pr, oracle.uploadExact(g, s), br, st);
            candidate.sgdStep(pc, candidate.uploadExact(g, s), bc, st);
        }
        assertRelClose("sgd", oracle.downloadExact(pr), candidateValues(pc), 1e-6);
        for (boolean decoupled : new boolean[] {false, true}) {
            Tensor ar = oracle.uploadExact(p, s), mr = oracle.zeros(s), vr = oracle.zeros(s);
            Tensor ac = candidate.uploadExact(p, s), mc = candidate.zeros(s), vc = candidate.zeros(s);
            for (int t = 1; t <= 3; t++) {
                AdamStep st = new AdamStep(1e-3, 0.9, 0.999, 1e-8, 1e-2, decoupled, t);
                oracle.adamStep(ar, oracle.uploadExact(g, s), mr, vr, st);
                candidate.adamStep(ac, candidate.uploadExact(g, s), mc, vc, st);
            }
            assertRelClose("adam decoupled=" + decoupled, oracle.downloadExact(ar), candidateValues(ac), 1e-6);
        }
        assertEquals(
                oracle.sumOfSquares(oracle.uploadExact(g, s)),
                candidate.sumOfSquares(candidate.uploadExact(g, s)),
                1e-9 * 1000);
    }

    /** Gradient clipping over tensors of several sizes (one spans many sum blocks): above and below the limit. */
    @ParameterizedTest(name = "max norm {0}")
    @org.junit.jupiter.params.provider.ValueSource(doubles = {5, 1e6})
    void gradientClipping(double maxNorm) {
        Random rnd = new Random(28);
        int[] sizes = {7, 1000, 70_001, 32};
        java.util.List<Tensor> rs = new java.util.ArrayList<>(), cs = new java.util.ArrayList<>();
        java.util.List<double[]> values = new java.util.ArrayList<>();
        for (int n : sizes) {
            double[] g = roundToFloat(gaussian(rnd, n, 0.1));
            values.add(g);
            rs.add(oracle.uploadExact(g, new Shape(n)));
            cs.add(candidate.uploadExact(g, new Shape(n)));
        }
        double expectedNorm = 0;
        for (double[] g : values) for (double v : g) expectedNorm += v * v;
        expectedNorm = Math.sqrt(expectedNorm);
        double normRef = oracle.clipGradNorm(rs, maxNorm).get(),
                normCpu = candidate.clipGradNorm(cs, maxNorm).get();
        assertEquals(expectedNorm, normRef, 1e-12 * expectedNorm);
        assertEquals(expectedNorm, normCpu, 1e-9 * expectedNorm);
        double coef = Math.min(1, maxNorm / (expectedNorm + 1e-6));
        for (int i = 0; i < sizes.length; i++) {
            double[] expected = values.get(i).clone();
            for (int j = 0; j < expected.length; j++) expected[j] *= coef;
            assertRelClose("clipped tensor " + i, expected, candidateValues(cs.get(i)), 1e-6);
            assertRelClose("clipped tensor " + i + " (oracle)", expected, oracle.downloadExact(rs.get(i)), 1e-6);
        }
    }

    private static double[] roundToFloat(double[] v) {
        for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    /** The same inputs give bit-identical outputs, twice over (no order-varying reductions). */
    @Test
    void deterministic() {
        Random rnd = new Random(28);
        OpCases.Conv c = OpCases.WIDE_CONVS.get(1);
        ConvGeometry g = c.geometry();
        Shape ys = g.outShape(c.x(), c.k());
        Tensor x = candidate.uploadExact(roundToFloat(gaussian(rnd, c.x().size(), 1)), c.x());
        Tensor w = candidate.uploadExact(roundToFloat(gaussian(rnd, c.weight().size(), 0.2)), c.weight());
        Tensor dy = candidate.uploadExact(roundToFloat(gaussian(rnd, ys.size(), 1)), ys);
        Shape ns = OpCases.NORM_SHAPES.get(2), cs = new Shape(ns.c());
        Tensor nx = candidate.uploadExact(roundToFloat(gaussian(rnd, ns.size(), 1)), ns),
                gamma = candidate.uploadExact(roundToFloat(gaussian(rnd, ns.c(), 1)), cs);
        Shape ls = Shape.ndhwc(2, 20, 21, 22, 4);
        Tensor z = candidate.uploadExact(roundToFloat(gaussian(rnd, ls.size(), 3)), ls);
        Tensor lab = candidate.uploadExact(labels(rnd, ls.size() / 4, 4, 4, 0.1), ls.withChannels(1));
        LossSpec spec = LossSpec.nnUNet(4, false, 4);
        double[][] first = null;
        for (int run = 0; run < 2; run++) {
            GroupNormOutput nf = candidate.groupNorm(nx, gamma, gamma, ns.c(), 1e-5);
            LossResult lr = candidate.diceCrossEntropy(z, lab, spec);
            double[][] out = {
                candidateValues(candidate.conv3dBackwardWeight(x, dy, g, true).weight()),
                candidateValues(candidate.conv3dBackwardData(dy, w, g, c.x())),
                candidateValues(nf.y()),
                candidateValues(
                        candidate.groupNormBackward(nx, nx, gamma, nf, ns.c()).dgamma()),
                candidateValues(lr.gradLogits()),
                {lr.loss(), candidate.sumOfSquares(z)}
            };
            if (first == null) first = out;
            else
                for (int i = 0; i < out.length; i++)
                    assertArrayEquals(first[i], out[i], "output " + i + " differs between runs");
        }
    }
}
