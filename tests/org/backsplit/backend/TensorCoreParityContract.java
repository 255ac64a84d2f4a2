package org.backsplit.backend;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.gaussian;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.backsplit.backend.cuda.CudaBackend;
import org.backsplit.backend.reference.ReferenceBackend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA convolutions on the tensor cores, TF32 and BF16, against the double reference, every pass, on the parity
 * cases: each within its format's accuracy (ten unit roundoffs of the operands relative to the tensor's scale: 2^-11
 * for TF32's 10 mantissa bits, 2^-8 for BF16's 7), and each measurably less exact than the more exact path (TF32 than
 * fp32, BF16 than TF32), so the path under test is the one that ran.
 */
abstract class TensorCoreParityContract {
    private static final double FP32_TOL = 2e-5, TF32_TOL = 5e-3, BF16_TOL = 10 * Math.pow(2, -8);
    private static final ReferenceBackend REF = new ReferenceBackend();

    abstract CudaBackend cuda();

    static Stream<OpCases.Conv> convs() {
        return BackendParityContract.convs();
    }

    static Stream<OpCases.Transposed> transposed() {
        return BackendParityContract.transposed();
    }

    private static double[] rounded(Random rnd, int n, double scale) {
        double[] v = gaussian(rnd, n, scale);
        for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    /** One pass on the reference, in fp32, TF32 and BF16; asserts the accuracy of each. */
    private void check(String what, Function<Backend, Tensor> pass) {
        CudaBackend gpu = cuda();
        double[] expected = REF.downloadExact(pass.apply(REF));
        double fp32Error, tf32Error, bf16Error;
        Precision before = gpu.precision();
        try {
            gpu.usePrecision(Precision.FP32);
            fp32Error = assertRelClose(what + " (fp32)", expected, gpu.downloadExact(pass.apply(gpu)), FP32_TOL);
            gpu.usePrecision(Precision.TF32);
            tf32Error = assertRelClose(what + " (TF32)", expected, gpu.downloadExact(pass.apply(gpu)), TF32_TOL);
            gpu.usePrecision(Precision.BF16);
            bf16Error = assertRelClose(what + " (BF16)", expected, gpu.downloadExact(pass.apply(gpu)), BF16_TOL);
        } finally {
            gpu.usePrecision(before);
        }
        assertTrue(
                tf32Error > 4 * fp32Error && tf32Error > 1e-6,
                what + ": TF32 error " + tf32Error + " vs fp32 " + fp32Error + " - the tensor-core path did not run");
        assertTrue(
                bf16Error > 2 * tf32Error,
                what + ": BF16 error " + bf16Error + " vs TF32 " + tf32Error + " - the BF16 path did not run");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void convolutionOnTensorCores(OpCases.Conv c) {
        Random rnd = new Random(31);
        ConvGeometry g = c.geometry();
        Shape ys = g.outShape(c.x(), c.k()), bs = new Shape(c.k());
        double[] x = rounded(rnd, c.x().size(), 1), w = rounded(rnd, c.weight().size(), 0.2);
        double[] b = rounded(rnd, c.k(), 0.5), dy = rounded(rnd, ys.size(), 1);
        check(
                c.name() + " forward",
                be -> be.conv3d(be.uploadExact(x, c.x()), be.uploadExact(w, c.weight()), be.uploadExact(b, bs), g));
        check(
                c.name() + " backward data",
                be -> be.conv3dBackwardData(be.uploadExact(dy, ys), be.uploadExact(w, c.weight()), g, c.x()));
        check(
                c.name() + " backward weight",
                be -> be.conv3dBackwardWeight(be.uploadExact(x, c.x()), be.uploadExact(dy, ys), g, false)
                        .weight());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transposed")
    void transposedConvolutionOnTensorCores(OpCases.Transposed c) {
        Random rnd = new Random(32);
        int[] s = c.stride();
        Shape ys = Shape.ndhwc(c.x().n(), c.x().d() * s[0], c.x().h() * s[1], c.x().w() * s[2], c.co()),
                bs = new Shape(c.co());
        double[] x = rounded(rnd, c.x().size(), 1), w = rounded(rnd, c.weight().size(), 0.2);
        double[] b = rounded(rnd, c.co(), 0.5), dy = rounded(rnd, ys.size(), 1);
        check(
                c.name() + " forward",
                be -> be.convTranspose3d(
                        be.uploadExact(x, c.x()), be.uploadExact(w, c.weight()), be.uploadExact(b, bs), s));
        check(
                c.name() + " backward data",
                be -> be.convTranspose3dBackwardData(be.uploadExact(dy, ys), be.uploadExact(w, c.weight()), s));
        check(
                c.name() + " backward weight",
                be -> be.convTranspose3dBackwardWeight(be.uploadExact(x, c.x()), be.uploadExact(dy, ys), s, false)
                        .weight());
    }
}
