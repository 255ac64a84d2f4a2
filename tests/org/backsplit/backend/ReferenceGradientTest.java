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
 * Every backward pass of the double-precision reference backend against central finite differences of L = sum(r *
 * op(inputs)) with a random r. The float backends are then checked against this oracle.
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
        double[] x = gaussian(rnd, c.x().size(), 1),
                w = gaussian(rnd, c.weight().size(), 0.5),
                b = gaussian(rnd, c.k(), 0.5);
        double[] r = gaussian(rnd, ys.size(), 1);
        GradCheck.Fn f =
                in -> dot(r, down(ref.conv3d(up(in[0], c.x()), up(in[1], c.weight()), up(in[2], new Shape(c.k())), g)));
        double[] dx = down(ref.conv3dBackwardData(up(r, ys), up(w, c.weight()), g, c.x()));
        WeightGrads gw = ref.conv3dBackwardWeight(up(x, c.x()), up(r, ys), g, true);
        GradCheck.check(
                c.name(), f, new double[][] {x, w, b}, new double[][] {dx, down(gw.weight()), down(gw.bias())}, 400, 7);
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
        double[] x = gaussian(rnd, c.x().size(), 1),
                w = gaussian(rnd, c.weight().size(), 0.5),
                b = gaussian(rnd, c.co(), 0.5);
        double[] r = gaussian(rnd, ys.size(), 1);
        GradCheck.Fn f = in -> dot(
                r, down(ref.convTranspose3d(up(in[0], c.x()), up(in[1], c.weight()), up(in[2], new Shape(c.co())), s)));
        double[] dx = down(ref.convTranspose3dBackwardData(up(r, ys), up(w, c.weight()), s));
        WeightGrads gw = ref.convTranspose3dBackwardWeight(up(x, c.x()), up(r, ys), s, true);
        GradCheck.check(
                c.name(), f, new double[][] {x, w, b}, new double[][] {dx, down(gw.weight()), down(gw.bias())}, 400, 8);
    }

    @Test
    void instanceNorm() {
        for (Shape s : OpCases.NORM_SHAPES.subList(0, 2)) {
            Random rnd = new Random(3);
            Shape cs = new Shape(s.c());
            double[] x = gaussian(rnd, s.size(), 2), gamma = gaussian(rnd, s.c(), 1), beta = gaussian(rnd, s.c(), 1);
            for (int i = 0; i < x.length; i++) x[i] += 3; // a mean far from zero
            double[] r = gaussian(rnd, s.size(), 1);
            GradCheck.Fn f = in -> dot(
                    r,
                    down(ref.groupNorm(up(in[0], s), up(in[1], cs), up(in[2], cs), s.c(), 1e-5)
                            .y()));
            GroupNormOutput fw = ref.groupNorm(up(x, s), up(gamma, cs), up(beta, cs), s.c(), 1e-5);
            GroupNormGrads g = ref.groupNormBackward(up(r, s), up(x, s), up(gamma, cs), fw, s.c());
            GradCheck.check(
                    "instance norm " + s,
                    f,
                    new double[][] {x, gamma, beta},
                    new double[][] {down(g.dx()), down(g.dgamma()), down(g.dbeta())},
                    200,
                    9);
        }
    }

    @Test
    void instanceNormFusedWithLeakyRelu() {
        Shape s = Shape.ndhwc(2, 3, 4, 3, 3), cs = new Shape(3);
        Random rnd = new Random(13);
        double[] x = gaussian(rnd, s.size(), 2),
                gamma = gaussian(rnd, 3, 1),
                beta = gaussian(rnd, 3, 1),
                r = gaussian(rnd, s.size(), 1);
        GradCheck.Fn f = in -> dot(
                r,
                down(ref.groupNormLeakyRelu(up(in[0], s), up(in[1], cs), up(in[2], cs), s.c(), 1e-5, 0.01)
                        .y()));
        GroupNormOutput fw = ref.groupNormLeakyRelu(up(x, s), up(gamma, cs), up(beta, cs), s.c(), 1e-5, 0.01);
        GroupNormGrads g = ref.groupNormLeakyReluBackward(up(r, s), up(x, s), fw.y(), up(gamma, cs), fw, s.c(), 0.01);
        GradCheck.check(
                "instance norm + LeakyReLU",
                f,
                new double[][] {x, gamma, beta},
                new double[][] {down(g.dx()), down(g.dgamma()), down(g.dbeta())},
                200,
                14);
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

    static Stream<Arguments> groupNorms() {
        return Stream.of(
                Arguments.of(Shape.ndhwc(1, 3, 4, 3, 4), 2),
                Arguments.of(Shape.ndhwc(2, 2, 3, 4, 6), 3),
                Arguments.of(Shape.ndhwc(2, 3, 2, 3, 8), 1),
                Arguments.of(Shape.ndhwc(1, 2, 3, 3, 3), 3));
    }

    @ParameterizedTest(name = "{0} in {1} groups")
    @MethodSource("groupNorms")
    void groupNorm(Shape s, int groups) {
        Random rnd = new Random(15);
        Shape cs = new Shape(s.c());
        double[] x = gaussian(rnd, s.size(), 2),
                gamma = gaussian(rnd, s.c(), 1),
                beta = gaussian(rnd, s.c(), 1),
                r = gaussian(rnd, s.size(), 1);
        for (int i = 0; i < x.length; i++) x[i] += 3;
        GradCheck.Fn f = in -> dot(
                r,
                down(ref.groupNorm(up(in[0], s), up(in[1], cs), up(in[2], cs), groups, 1e-5)
                        .y()));
        GroupNormOutput fw = ref.groupNorm(up(x, s), up(gamma, cs), up(beta, cs), groups, 1e-5);
        GroupNormGrads g = ref.groupNormBackward(up(r, s), up(x, s), up(gamma, cs), fw, groups);
        GradCheck.check(
                "group norm " + s + " / " + groups,
                f,
                new double[][] {x, gamma, beta},
                new double[][] {down(g.dx()), down(g.dgamma()), down(g.dbeta())},
                200,
                16);
    }

    /** Group norm's statistics span a group's channels: with one group every channel sees the same mean. */
    @Test
    void groupNormNormalisesEachGroupAsAWhole() {
        Shape s = Shape.ndhwc(1, 1, 1, 2, 4), cs = new Shape(4);
        double[] x = {0, 10, 2, 30, 4, 50, 6, 70}; // voxel 0: channels 0..3, voxel 1: channels 0..3
        double[] ones = {1, 1, 1, 1}, zeros = new double[4];
        double[] y =
                down(ref.groupNorm(up(x, s), up(ones, cs), up(zeros, cs), 2, 0).y());
        // group {0,1}: values 0, 10, 4, 50 -> mean 16, population std sqrt(386)
        double sd = Math.sqrt(
                ((0 - 16) * (0 - 16) + (10 - 16) * (10 - 16) + (4 - 16) * (4 - 16) + (50 - 16) * (50 - 16)) / 4.0);
        assertEquals((0 - 16) / sd, y[0], 1e-12);
        assertEquals((50 - 16) / sd, y[5], 1e-12);
    }

    @Test
    void relu() {
        Random rnd = new Random(17);
        Shape s = Shape.ndhwc(2, 3, 3, 2, 4);
        double[] x = gaussian(rnd, s.size(), 1), r = gaussian(rnd, s.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.leakyRelu(up(in[0], s), 0)));
        double[] dx = down(ref.leakyReluBackward(up(r, s), ref.leakyRelu(up(x, s), 0), 0));
        GradCheck.check("relu", f, new double[][] {x}, new double[][] {dx}, 1000, 18);
        for (double v : down(ref.leakyRelu(up(x, s), 0))) org.junit.jupiter.api.Assertions.assertTrue(v >= 0);
    }

    /** A residual addition y = a + b passes dL/dy to both inputs: the network's backward relies on that. */
    @Test
    void residualAddition() {
        Random rnd = new Random(19);
        Shape s = Shape.ndhwc(1, 2, 3, 2, 3);
        double[] a = gaussian(rnd, s.size(), 1), b = gaussian(rnd, s.size(), 1), r = gaussian(rnd, s.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.add(up(in[0], s), up(in[1], s))));
        GradCheck.check("residual add", f, new double[][] {a, b}, new double[][] {r, r}, 1000, 20);
    }

    static Stream<Arguments> pools() {
        return Stream.of(
                Arguments.of(Shape.ndhwc(1, 4, 4, 6, 2), new int[] {2, 2, 2}),
                Arguments.of(Shape.ndhwc(2, 3, 5, 4, 3), new int[] {1, 2, 2}),
                Arguments.of(Shape.ndhwc(1, 5, 3, 7, 2), new int[] {2, 1, 2}));
    }

    @ParameterizedTest(name = "{0} window {1}")
    @MethodSource("pools")
    void averagePooling(Shape s, int[] k) {
        Random rnd = new Random(29);
        Shape ys = Shape.ndhwc(s.n(), s.d() / k[0], s.h() / k[1], s.w() / k[2], s.c());
        double[] x = gaussian(rnd, s.size(), 1), r = gaussian(rnd, ys.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.avgPool3d(up(in[0], s), k)));
        GradCheck.check(
                "avg pool " + s,
                f,
                new double[][] {x},
                new double[][] {down(ref.avgPool3dBackward(up(r, ys), k, s))},
                1000,
                30);
    }

    static Stream<Arguments> upsamplings() {
        return Stream.of(
                Arguments.of(Shape.ndhwc(1, 2, 3, 3, 2), new int[] {2, 2, 2}),
                Arguments.of(Shape.ndhwc(2, 2, 3, 1, 3), new int[] {1, 2, 2}),
                Arguments.of(Shape.ndhwc(1, 3, 1, 2, 2), new int[] {2, 3, 2}));
    }

    @ParameterizedTest(name = "{0} scale {1}")
    @MethodSource("upsamplings")
    void trilinearUpsampling(Shape s, int[] scale) {
        Random rnd = new Random(31);
        Shape ys = Shape.ndhwc(s.n(), s.d() * scale[0], s.h() * scale[1], s.w() * scale[2], s.c());
        double[] x = gaussian(rnd, s.size(), 1), r = gaussian(rnd, ys.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.upsampleTrilinear(up(in[0], s), scale)));
        GradCheck.check(
                "upsample " + s,
                f,
                new double[][] {x},
                new double[][] {down(ref.upsampleTrilinearBackward(up(r, ys), scale, s))},
                1000,
                32);
    }

    /** Values torch.nn.Upsample(scale_factor=2, mode='trilinear') gives: [0, 1] -> [0, 0.25, 0.75, 1] per axis. */
    @Test
    void trilinearUpsamplingMatchesTorchOnALine() {
        double[] y =
                down(ref.upsampleTrilinear(up(new double[] {0, 1}, Shape.ndhwc(1, 1, 1, 2, 1)), new int[] {1, 1, 2}));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 0.25, 0.75, 1}, y, 1e-12);
        double[] z = down(
                ref.upsampleTrilinear(up(new double[] {0, 4, 8}, Shape.ndhwc(1, 3, 1, 1, 1)), new int[] {2, 1, 1}));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 1, 3, 5, 7, 8}, z, 1e-12);
        double[] p =
                down(ref.avgPool3d(up(new double[] {1, 2, 3, 4, 5}, Shape.ndhwc(1, 1, 1, 5, 1)), new int[] {1, 1, 2}));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {1.5, 3.5}, p, 1e-12);
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
                Arguments.of(
                        "per-sample dice, ignore label", Shape.ndhwc(2, 3, 3, 4, 4), false, 4, new int[] {1, 2, 3}, -1),
                Arguments.of("target-only dice, batch 1", Shape.ndhwc(1, 4, 3, 3, 4), true, 9, new int[] {1}, -1),
                Arguments.of("two classes", Shape.ndhwc(1, 3, 3, 3, 2), false, -1, new int[] {1}, -1),
                Arguments.of(
                        "marginal loss (merged label), batch dice",
                        Shape.ndhwc(2, 3, 3, 4, 5),
                        true,
                        7,
                        new int[] {1, 2, 3, 4},
                        6),
                Arguments.of(
                        "marginal loss, per-sample dice", Shape.ndhwc(2, 3, 4, 3, 4), false, -1, new int[] {1, 3}, 5));
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
        GradCheck.Fn f =
                in -> 0.75 * ref.diceCrossEntropy(up(in[0], s), labels, spec).loss();
        LossResult r = ref.diceCrossEntropy(up(z, s), labels, spec);
        assertEquals(r.loss(), r.crossEntropy() - r.dice(), 1e-12);
        GradCheck.check(name, f, new double[][] {z}, new double[][] {down(r.gradLogits())}, 1000, 12);
    }

    /**
     * The marginal loss never teaches a missing auxiliary label as background: a voxel of a case without auxiliary
     * labels that the network calls auxiliary costs (almost) nothing, where the naive labelling (missing = background,
     * the paper's Fig. 3 right) costs a lot.
     */
    @Test
    void marginalLossDoesNotPunishAuxiliaryPredictionsInPartialCases() {
        Shape s = Shape.ndhwc(1, 1, 1, 1, 3); // background, lesion, auxiliary
        Tensor z = up(new double[] {0, 0, 10}, s);
        LossSpec ceOnly = new LossSpec(3, new int[] {1}, -1, false, 1e-5, 1, 0, 1, -1, new int[0]);
        double naive = ref.diceCrossEntropy(z, up(new double[] {0}, s.withChannels(1)), ceOnly)
                .crossEntropy();
        double marginal = ref.diceCrossEntropy(
                        z, up(new double[] {3}, s.withChannels(1)), ceOnly.withMergedLabel(3, new int[] {0, 2}))
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
