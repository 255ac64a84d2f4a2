package org.backsplit.backend.cuda;

import java.util.List;
import org.backsplit.backend.AdamStep;
import org.backsplit.backend.PendingScalar;
import org.backsplit.backend.SgdStep;
import org.backsplit.tensor.Tensor;

/**
 * The optimizer family on the GPU (kernels/optimizer.cu): SGD and Adam steps in place, and gradient clipping without a
 * host wait (the norm stays on the device until the trainer reads it).
 */
final class CudaOptimizer implements AutoCloseable {
    private static final int SUM_BLOCKS = 256;

    private final CudaRuntime rt;
    private final CudaKernels k;
    /** [norm, coefficient] of the latest clipGradNorm, on the device; clipGeneration counts the calls. */
    private CudaTensor clipResult;

    private long clipGeneration;

    CudaOptimizer(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    /**
     * Blocks for a sum of squares over n values: as many as the tensor fills, up to SUM_BLOCKS; a function of the size
     * only (deterministic), and a bias of 32 values does not start 65,536 threads.
     */
    private static int sumBlocks(long n) {
        return (int) Math.max(1, Math.min(SUM_BLOCKS, (n + Grid.BLOCK - 1) / Grid.BLOCK));
    }

    PendingScalar clipGradNorm(List<Tensor> grads, double maxNorm) {
        long slots = 0;
        for (Tensor g : grads) slots += sumBlocks(g.shape().numel());
        if (clipResult == null) clipResult = rt.doubles(2);
        try (CudaTensor partial = rt.doubles(Math.max(1, slots))) {
            long offset = 0;
            for (Tensor g : grads) {
                long n = g.shape().numel();
                int blocks = sumBlocks(n);
                k.sum_of_squares_partial(Grid.reducing(blocks, 1), CudaBackend.c(g), n, partial.plusBytes(8 * offset));
                offset += blocks;
            }
            k.clip_grad_norm_coefficient(Grid.reducing(1, 1), partial, slots, maxNorm, clipResult);
        }
        for (Tensor g : grads) {
            long n = g.shape().numel();
            k.clip_grad_norm_scale(Grid.elementwise(n), CudaBackend.c(g), clipResult, n);
        }
        long generation = ++clipGeneration;
        CudaTensor result = clipResult;
        return () -> {
            if (generation != clipGeneration)
                throw new IllegalStateException("gradient norm read after a later clipGradNorm");
            return rt.downloadDoubles(result, 1)[0];
        };
    }

    double sumOfSquares(Tensor t) {
        long n = t.shape().numel();
        int blocks = sumBlocks(n);
        double[] part;
        try (CudaTensor partial = rt.doubles(blocks)) {
            k.sum_of_squares_partial(Grid.reducing(blocks, 1), CudaBackend.c(t), n, partial);
            part = rt.downloadDoubles(partial, blocks);
        }
        double s = 0;
        for (double d : part) s += d;
        return s;
    }

    void scaleInPlace(Tensor t, double factor) {
        long n = t.shape().numel();
        k.scale_in_place(Grid.elementwise(n), CudaBackend.c(t), (float) factor, n);
    }

    void sgdStep(Tensor param, Tensor grad, Tensor buffer, SgdStep st) {
        long n = param.shape().numel();
        k.sgd_step(
                Grid.elementwise(n),
                CudaBackend.c(param),
                CudaBackend.c(grad),
                CudaBackend.c(buffer),
                (float) st.lr(),
                (float) st.momentum(),
                (float) st.weightDecay(),
                st.nesterov() ? 1 : 0,
                st.first() ? 1 : 0,
                n);
    }

    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamStep st) {
        long n = param.shape().numel();
        float stepSize = (float) (st.lr() / (1 - Math.pow(st.beta1(), st.t())));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(st.beta2(), st.t()));
        k.adam_step(
                Grid.elementwise(n),
                CudaBackend.c(param),
                CudaBackend.c(grad),
                CudaBackend.c(m),
                CudaBackend.c(v),
                (float) st.lr(),
                (float) st.beta1(),
                (float) st.beta2(),
                (float) st.eps(),
                (float) st.weightDecay(),
                st.decoupled() ? 1 : 0,
                stepSize,
                bc2Sqrt,
                n);
    }

    @Override
    public void close() {
        if (clipResult != null) clipResult.close();
    }
}
