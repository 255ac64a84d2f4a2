package org.backsplit.backend.cuda;

import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.LossTerms;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Lazy;

/**
 * nnU-Net's DC+CE loss on the GPU (kernels/dice_cross_entropy.cu): per-block sums in double, reduced in a fixed order,
 * the loss terms and the gradient's coefficients computed on the device (no host round trip inside a step), then the
 * gradient with respect to the logits.
 */
final class CudaDiceCrossEntropy {
    private static final int SUM_BLOCKS = 64, SUM_THREADS = 128, MAX_CLASSES = 64;

    private final CudaRuntime rt;
    private final CudaKernels k;

    CudaDiceCrossEntropy(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    LossResult compute(Tensor logits, Tensor labels, LossSpec spec) {
        Shape s = logits.shape();
        int n = s.n(), classes = s.c();
        long v = s.spatial();
        if (classes != spec.numClasses())
            throw new IllegalArgumentException(
                    "logits have " + classes + " channels, loss expects " + spec.numClasses());
        if (classes > MAX_CLASSES)
            throw new IllegalArgumentException(
                    "the CUDA loss supports up to " + MAX_CLASSES + " classes, not " + classes);
        int width = 3 * classes + 3, rows = SUM_BLOCKS * SUM_THREADS;
        int groups = spec.batchDice() ? 1 : n;
        long diceMask = 0;
        for (int c : spec.diceClasses()) diceMask |= 1L << c;
        CudaTensor z = CudaBackend.c(logits), y = CudaBackend.c(labels);
        CudaTensor p = rt.make(s);
        CudaTensor terms = rt.doubles(4);
        try (CudaTensor partial = rt.doubles((long) n * rows * width);
                CudaTensor reduced = rt.doubles((long) n * width);
                CudaTensor coefficients = rt.make(new Shape(groups * 2 * classes + 1))) {
            k.dice_cross_entropy_sums(
                    new Grid(SUM_BLOCKS, n, 1, SUM_THREADS, 0),
                    z,
                    y,
                    p,
                    classes,
                    v,
                    spec.ignoreLabel(),
                    spec.mergedLabel(),
                    spec.mergedMask(),
                    partial);
            k.dice_cross_entropy_reduce(Grid.perItem((long) n * width), partial, n, rows, width, reduced);
            k.dice_cross_entropy_coefficients(
                    new Grid(1, 1, 1, 1, 0),
                    reduced,
                    n,
                    classes,
                    spec.batchDice() ? 1 : 0,
                    diceMask,
                    spec.smooth(),
                    spec.weightCe(),
                    spec.weightDice(),
                    coefficients,
                    terms);
            k.dice_cross_entropy_gradient(
                    Grid.elementwise((long) n * v),
                    p,
                    y,
                    coefficients,
                    classes,
                    v,
                    (long) n * v,
                    spec.ignoreLabel(),
                    spec.mergedLabel(),
                    spec.mergedMask(),
                    spec.batchDice() ? 1 : 0,
                    coefficients.plusBytes(4L * groups * 2 * classes),
                    (float) spec.weight());
        }
        // read when first asked for (the loss is logged after the step's work is queued); labels outside the
        // classes were counted on the device and are reported then
        return new LossResult(
                Lazy.of(() -> {
                    double[] t = rt.downloadDoubles(terms, 4);
                    terms.close();
                    if (t[3] > 0) {
                        throw new IllegalArgumentException((long) t[3] + " label values outside [0," + classes
                                + ") that are neither the ignore nor the merged label");
                    }
                    return new LossTerms(t[0], t[1], t[2]);
                }),
                p);
    }
}
