package org.backsplit.backend;

import static org.backsplit.TestArrays.dot;
import static org.backsplit.TestArrays.gaussian;
import static org.backsplit.TestArrays.labels;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.backsplit.GradCheck;
import org.backsplit.backend.reference.ReferenceBackend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backward pass of the double-precision reference backend against central finite differences of
 * L = sum(r * op(inputs)) with a random r. The float backends are then checked against this oracle.
 */
class ReferenceGradientTest {
    private final ReferenceBackend ref = new ReferenceBackend();

    private Tensor up(double[] v, Shape s) {
        return ref.uploadExact(v, s);
    }

    private double[] down(Tensor t) {
        return ref.downloadExact(t);
    }

    static Stream<OpCases.Conv> convs() {
        return OpCases.SMALL_CONVS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void convolution(OpCases.Conv c) {
        Random rnd = new Random(1);
        ConvGeometry g = c.geometry();
        Shape ys = g.outShape(c.x(), c.k());
        double[] x = gaussian(rnd, c.x().size(), 1), w = gaussian(rnd, c.weight().size(), 0.5), b = gaussian(rnd, c.k(), 0.5);
        double[] r = gaussian(rnd, ys.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.conv3d(up(in[0], c.x()), up(in[1], c.weight()), up(in[2], new Shape(c.k())), g)));
        double[] dx = down(ref.conv3dBackwardData(up(r, ys), up(w, c.weight()), g, c.x()));
        WeightGrads gw = ref.conv3dBackwardWeight(up(x, c.x()), up(r, ys), g, true);
        GradCheck.check(c.name(), f, new double[][] {x, w, b}, new double[][] {dx, down(gw.weight()), down(gw.bias())}, 400, 7);
    }

    static Stream<OpCases.Transposed> transposed() {
        return OpCases.SMALL_TRANSPOSED.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transposed")
    void transposedConvolution(OpCases.Transposed c) {
        Random rnd = new Random(2);
        int[] s = c.stride();
        Shape ys = Shape.ndhwc(c.x().n(), c.x().d() * s[0], c.x().h() * s[1], c.x().w() * s[2], c.co());
        double[] x = gaussian(rnd, c.x().size(), 1), w = gaussian(rnd, c.weight().size(), 0.5), b = gaussian(rnd, c.co(), 0.5);
        double[] r = gaussian(rnd, ys.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.convTranspose3d(up(in[0], c.x()), up(in[1], c.weight()), up(in[2], new Shape(c.co())), s)));
        double[] dx = down(ref.convTranspose3dBackwardData(up(r, ys), up(w, c.weight()), s));
        WeightGrads gw = ref.convTranspose3dBackwardWeight(up(x, c.x()), up(r, ys), s, true);
        GradCheck.check(c.name(), f, new double[][] {x, w, b}, new double[][] {dx, down(gw.weight()), down(gw.bias())}, 400, 8);
    }

    @Test
    void instanceNorm() {
        for (Shape s : OpCases.NORM_SHAPES.subList(0, 2)) {
            Random rnd = new Random(3);
            Shape cs = new Shape(s.c());
            double[] x = gaussian(rnd, s.size(), 2), gamma = gaussian(rnd, s.c(), 1), beta = gaussian(rnd, s.c(), 1);
            for (int i = 0; i < x.length; i++) x[i] += 3; // a mean far from zero
            double[] r = gaussian(rnd, s.size(), 1);
            GradCheck.Fn f = in -> dot(r, down(ref.instanceNorm(up(in[0], s), up(in[1], cs), up(in[2], cs), 1e-5).y()));
            NormForward fw = ref.instanceNorm(up(x, s), up(gamma, cs), up(beta, cs), 1e-5);
            NormGrads g = ref.instanceNormBackward(up(r, s), up(x, s), up(gamma, cs), fw);
            GradCheck.check("instance norm " + s, f, new double[][] {x, gamma, beta},
                    new double[][] {down(g.dx()), down(g.dgamma()), down(g.dbeta())}, 200, 9);
        }
    }

    @Test
    void instanceNormFusedWithLeakyRelu() {
        Shape s = Shape.ndhwc(2, 3, 4, 3, 3), cs = new Shape(3);
        Random rnd = new Random(13);
        double[] x = gaussian(rnd, s.size(), 2), gamma = gaussian(rnd, 3, 1), beta = gaussian(rnd, 3, 1), r = gaussian(rnd, s.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.instanceNormLeakyRelu(up(in[0], s), up(in[1], cs), up(in[2], cs), 1e-5, 0.01).y()));
        NormForward fw = ref.instanceNormLeakyRelu(up(x, s), up(gamma, cs), up(beta, cs), 1e-5, 0.01);
        NormGrads g = ref.instanceNormLeakyReluBackward(up(r, s), up(x, s), fw.y(), up(gamma, cs), fw, 0.01);
        GradCheck.check("instance norm + LeakyReLU", f, new double[][] {x, gamma, beta},
                new double[][] {down(g.dx()), down(g.dgamma()), down(g.dbeta())}, 200, 14);
    }

    @Test
    void leakyRelu() {
        Random rnd = new Random(4);
        Shape s = Shape.ndhwc(2, 3, 3, 3, 5);
        double[] x = gaussian(rnd, s.size(), 1), r = gaussian(rnd, s.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.leakyRelu(up(in[0], s), 0.01)));
        double[] dx = down(ref.leakyReluBackward(up(r, s), ref.leakyRelu(up(x, s), 0.01), 0.01));
        GradCheck.check("leaky relu", f, new double[][] {x}, new double[][] {dx}, 1000, 10);
    }

    @Test
    void concatenation() {
        Random rnd = new Random(5);
        Shape sa = Shape.ndhwc(2, 3, 2, 3, 3), sb = sa.withChannels(2), so = sa.withChannels(5);
        double[] a = gaussian(rnd, sa.size(), 1), b = gaussian(rnd, sb.size(), 1), r = gaussian(rnd, so.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.concatChannels(up(in[0], sa), up(in[1], sb))));
        Tensor[] parts = ref.splitChannels(up(r, so), 3);
        GradCheck.check("concat", f, new double[][] {a, b}, new double[][] {down(parts[0]), down(parts[1])}, 1000, 11);
    }

    static Stream<Arguments> losses() {
        return Stream.of(
                Arguments.of("batch dice, 3 classes", Shape.ndhwc(2, 3, 4, 3, 3), true, -1, new int[] {1, 2}, -1),
                Arguments.of("per-sample dice, ignore label", Shape.ndhwc(2, 3, 3, 4, 4), false, 4, new int[] {1, 2, 3}, -1),
                Arguments.of("target-only dice, batch 1", Shape.ndhwc(1, 4, 3, 3, 4), true, 9, new int[] {1}, -1),
                Arguments.of("two classes", Shape.ndhwc(1, 3, 3, 3, 2), false, -1, new int[] {1}, -1),
                Arguments.of("marginal loss (merged label), batch dice", Shape.ndhwc(2, 3, 3, 4, 5), true, 7, new int[] {1, 2, 3, 4}, 6),
                Arguments.of("marginal loss, per-sample dice", Shape.ndhwc(2, 3, 4, 3, 4), false, -1, new int[] {1, 3}, 5));
    }

    /** Labels in [0, K), with the ignore label and the merged label (classes 0 and K-1 merged) mixed in. */
    static double[] lossLabels(Random rnd, int n, int classes, int ignore, int merged) {
        double[] v = labels(rnd, n, classes, ignore, 0.15);
        if (merged >= 0) for (int i = 0; i < n; i++) if (rnd.nextDouble() < 0.3) v[i] = merged;
        return v;
    }

    static LossSpec lossSpec(Shape s, boolean batchDice, int ignore, int[] diceClasses, int merged) {
        LossSpec spec = LossSpec.nnUNet(s.c(), batchDice, ignore).withDiceClasses(diceClasses);
        return merged < 0 ? spec : spec.withMergedLabel(merged, new int[] {0, s.c() - 1});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("losses")
    void diceCrossEntropy(String name, Shape s, boolean batchDice, int ignore, int[] diceClasses, int merged) {
        Random rnd = new Random(6);
        LossSpec spec = lossSpec(s, batchDice, ignore, diceClasses, merged).withWeight(0.75);
        Shape ls = s.withChannels(1);
        double[] z = gaussian(rnd, s.size(), 2), lab = lossLabels(rnd, ls.size(), s.c(), ignore, merged);
        Tensor labels = up(lab, ls);
        GradCheck.Fn f = in -> 0.75 * ref.diceCrossEntropy(up(in[0], s), labels, spec).loss();
        LossResult r = ref.diceCrossEntropy(up(z, s), labels, spec);
        assertEquals(r.loss(), r.crossEntropy() - r.dice(), 1e-12);
        GradCheck.check(name, f, new double[][] {z}, new double[][] {down(r.gradLogits())}, 1000, 12);
    }

    /**
     * The marginal loss never teaches a missing auxiliary label as background: a voxel of a case without
     * auxiliary labels that the network calls auxiliary costs (almost) nothing, where the naive labelling
     * (missing = background, the paper's Fig. 3 right) costs a lot.
     */
    @Test
    void marginalLossDoesNotPunishAuxiliaryPredictionsInPartialCases() {
        Shape s = Shape.ndhwc(1, 1, 1, 1, 3); // background, lesion, auxiliary
        Tensor z = up(new double[] {0, 0, 10}, s);
        LossSpec ceOnly = new LossSpec(3, new int[] {1}, -1, false, 1e-5, 1, 0, 1, -1, new int[0]);
        double naive = ref.diceCrossEntropy(z, up(new double[] {0}, s.withChannels(1)), ceOnly).crossEntropy();
        double marginal = ref.diceCrossEntropy(z, up(new double[] {3}, s.withChannels(1)), ceOnly.withMergedLabel(3, new int[] {0, 2}))
                .crossEntropy();
        assertEquals(10.0, naive, 1e-3);
        assertEquals(0.0, marginal, 1e-4);
    }

    @Test
    void nearestExactDownsamplingPicksTheNearestCentre() {
        // 7 -> 4 voxels: centres at (d + 0.5) * 7/4 = 0.875, 2.625, 4.375, 6.125 -> floor 0, 2, 4, 6.
        double[] lab = {0, 1, 2, 3, 4, 5, 6};
        Tensor t = ref.downsampleLabels(up(lab, Shape.ndhwc(1, 1, 1, 7, 1)), Shape.ndhwc(1, 1, 1, 4, 1));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 2, 4, 6}, down(t));
        // 8 -> 4 by a factor 2 takes the odd voxels, as torch's nearest-exact does.
        double[] lab8 = {0, 1, 2, 3, 4, 5, 6, 7};
        Tensor t8 = ref.downsampleLabels(up(lab8, Shape.ndhwc(1, 1, 1, 8, 1)), Shape.ndhwc(1, 1, 1, 4, 1));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {1, 3, 5, 7}, down(t8));
    }
}
