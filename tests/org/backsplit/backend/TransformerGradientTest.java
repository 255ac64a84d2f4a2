package org.backsplit.backend;

import static org.backsplit.TestArrays.dot;
import static org.backsplit.TestArrays.gaussian;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.backsplit.GradCheck;
import org.backsplit.backend.reference.ReferenceBackend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The transformer operations' backward passes on the double reference against central finite differences of L = sum(r *
 * op(inputs)), and GELU's erf against known values.
 */
class TransformerGradientTest {
    private final ReferenceBackend ref = new ReferenceBackend();

    private Tensor up(double[] v, Shape s) {
        return ref.uploadExact(v, s);
    }

    private double[] down(Tensor t) {
        return ref.downloadExact(t);
    }

    static Stream<TransformerCases.Norm> norms() {
        return TransformerCases.NORMS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("norms")
    void layerNorm(TransformerCases.Norm c) {
        Random rnd = new Random(41);
        Shape s = c.shape(), cs = new Shape(s.last());
        double[] x = gaussian(rnd, s.size(), 2), r = gaussian(rnd, s.size(), 1);
        double[] g = gaussian(rnd, s.last(), 1), b = gaussian(rnd, s.last(), 1);
        for (int i = 0; i < x.length; i++) x[i] += 3;
        GradCheck.Fn f = in -> dot(
                r,
                down(ref.layerNorm(
                                up(in[0], s),
                                c.affine() ? up(in[1], cs) : null,
                                c.affine() ? up(in[2], cs) : null,
                                1e-5)
                        .y()));
        LayerNormOutput out =
                ref.layerNorm(up(x, s), c.affine() ? up(g, cs) : null, c.affine() ? up(b, cs) : null, 1e-5);
        LayerNormGrads grads = ref.layerNormBackward(up(r, s), up(x, s), c.affine() ? up(g, cs) : null, out);
        if (c.affine()) {
            GradCheck.check(
                    "layer norm " + c,
                    f,
                    new double[][] {x, g, b},
                    new double[][] {down(grads.dx()), down(grads.dgamma()), down(grads.dbeta())},
                    500,
                    42);
        } else {
            GradCheck.check("layer norm " + c, f, new double[][] {x}, new double[][] {down(grads.dx())}, 500, 42);
        }
    }

    @Test
    void gelu() {
        Random rnd = new Random(43);
        Shape s = Shape.ndhwc(2, 3, 3, 4, 5);
        double[] x = gaussian(rnd, s.size(), 3), r = gaussian(rnd, s.size(), 1);
        GradCheck.Fn f = in -> dot(r, down(ref.gelu(up(in[0], s))));
        GradCheck.check(
                "gelu", f, new double[][] {x}, new double[][] {down(ref.geluBackward(up(r, s), up(x, s)))}, 1000, 44);
    }

    @Test
    void erfMatchesKnownValues() {
        // erf values to 16 digits (Abramowitz and Stegun, Table 7.1, and scipy.special.erf)
        assertEquals(0.0, Gelu.erf(0), 0);
        assertEquals(0.5204998778130465, Gelu.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, Gelu.erf(1), 1e-15);
        assertEquals(-0.9661051464753108, Gelu.erf(-1.5), 1e-15);
        assertEquals(0.9953222650189527, Gelu.erf(2), 1e-15);
        assertEquals(0.9999779095030014, Gelu.erf(3), 1e-15);
        assertEquals(0.0011283787909692363, Gelu.erf(0.001), 1e-17);
        assertEquals(1.0, Gelu.erf(7), 0);
        // GELU(1) = Phi(1) = 0.8413447460685429
        assertEquals(0.8413447460685429, Gelu.value(1), 1e-15);
    }

    static Stream<TransformerCases.Windows> windows() {
        return TransformerCases.SMALL_WINDOWS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windows")
    void rowGathers(TransformerCases.Windows c) {
        Random rnd = new Random(45);
        for (RowGather g : TransformerCases.gathers(c)) {
            double[] x = gaussian(rnd, g.sourceShape().size(), 1),
                    r = gaussian(rnd, g.targetShape().size(), 1);
            GradCheck.Fn f = in -> dot(r, down(ref.gatherRows(up(in[0], g.sourceShape()), g)));
            double[] dx = down(ref.gatherRowsBackward(up(r, g.targetShape()), g));
            GradCheck.check(
                    "gather " + g.targetShape() + " of " + c, f, new double[][] {x}, new double[][] {dx}, 300, 46);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windows")
    void windowAttention(TransformerCases.Windows c) {
        Random rnd = new Random(47);
        var w = c.windows();
        Shape qs = w.windowShape(3 * c.channels()), bs = new Shape(w.tokens(), w.tokens(), c.heads());
        double scale = 1 / Math.sqrt((double) c.channels() / c.heads());
        double[] qkv = gaussian(rnd, qs.size(), 1), bias = gaussian(rnd, bs.size(), 0.5);
        float[] maskValues = w.mask();
        Tensor mask = maskValues == null ? null : ref.upload(maskValues, w.maskShape());
        AttentionOutput out = ref.windowAttention(up(qkv, qs), up(bias, bs), mask, c.heads(), scale);
        double[] r = gaussian(rnd, out.out().shape().size(), 1);
        GradCheck.Fn f = in -> dot(
                r,
                down(ref.windowAttention(up(in[0], qs), up(in[1], bs), mask, c.heads(), scale)
                        .out()));
        AttentionGrads grads =
                ref.windowAttentionBackward(up(r, out.out().shape()), up(qkv, qs), out, c.heads(), scale);
        GradCheck.check(
                "window attention " + c,
                f,
                new double[][] {qkv, bias},
                new double[][] {down(grads.dqkv()), down(grads.dbias())},
                400,
                48);
    }
}
