package org.backsplit.backend.cpu;

import org.backsplit.backend.DiceCrossEntropyCoefficients;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;

/**
 * Softmax cross-entropy + soft Dice in two passes over the logits. Pass 1 writes the softmax into the gradient buffer
 * and accumulates, per Dice group (sample, or the batch) and class, the intersection, the predicted sum and the
 * reference count, plus the CE sum. Pass 2 turns probabilities into the gradient in place. Voxel slices are fixed and
 * reduced in order (deterministic).
 *
 * <p>With p = softmax(z) and a_k = dL/dp_k ({@link DiceCrossEntropyCoefficients}), dL/dz_j = p_j (a_j - sum_k a_k p_k).
 * A voxel with the merged label (partial supervision) has CE = -log q, q = the mass of the merged classes, whose
 * gradient is p_j - [j merged] p_j / q, and counts in the Dice statistics of the other classes only.
 */
final class CpuDiceCrossEntropy {
    private static final int VOXELS_PER_SLICE = 8192;

    private final Parallel parallel;

    CpuDiceCrossEntropy(Parallel parallel) {
        this.parallel = parallel;
    }

    /** Returns the loss and writes the (weighted) gradient into grad. */
    LossResult compute(float[] z, float[] labels, int n, int v, LossSpec spec, float[] grad) {
        int k = spec.numClasses();
        int slices = Math.max(1, Math.min(64, v / VOXELS_PER_SLICE));
        int ignore = spec.ignoreLabel(), merged = spec.mergedLabel();
        boolean[] isMerged = new boolean[k];
        for (int j = 0; j < k; j++) isMerged[j] = spec.isMerged(j);
        // Per job: [tp(K) | sp(K) | sg(K) | ceSum, valid]
        double[][] part = new double[n * slices][];
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            double[] acc = new double[3 * k + 2];
            for (int vox = from; vox < to; vox++) {
                int i = s * v + vox, o = i * k;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) max = Math.max(max, z[o + j]);
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    double e = Math.exp(z[o + j] - max);
                    grad[o + j] = (float) e;
                    sum += e;
                }
                int y = (int) labels[i];
                if ((y < 0 || y >= k) && y != ignore && y != merged) {
                    throw new IllegalArgumentException("label " + y + " outside [0," + k + ") at voxel " + i);
                }
                double q = 0; // unnormalised mass of the merged classes
                if (y == merged) for (int j = 0; j < k; j++) if (isMerged[j]) q += grad[o + j];
                double inv = 1.0 / sum;
                for (int j = 0; j < k; j++) grad[o + j] = (float) (grad[o + j] * inv);
                if (y == ignore) continue;
                if (y == merged) { // marginal CE; the voxel counts against the non-merged classes only
                    acc[3 * k] += Math.log(sum) - Math.log(q);
                    acc[3 * k + 1] += 1;
                    for (int j = 0; j < k; j++) if (!isMerged[j]) acc[k + j] += grad[o + j];
                    continue;
                }
                acc[3 * k] += Math.log(sum) + max - z[o + y]; // -log softmax, without rounding p
                acc[3 * k + 1] += 1;
                for (int j = 0; j < k; j++) acc[k + j] += grad[o + j];
                acc[y] += grad[o + y];
                acc[2 * k + y] += 1;
            }
            part[job] = acc;
        });
        int groups = spec.batchDice() ? 1 : n;
        double[][] g = new double[groups][3 * k];
        double ceSum = 0, valid = 0;
        for (int job = 0; job < n * slices; job++) {
            double[] acc = part[job];
            double[] dst = g[spec.batchDice() ? 0 : job / slices];
            for (int j = 0; j < 3 * k; j++) dst[j] += acc[j];
            ceSum += acc[3 * k];
            valid += acc[3 * k + 1];
        }
        DiceCrossEntropyCoefficients co = DiceCrossEntropyCoefficients.compute(g, ceSum, valid, spec);
        float[][] aTp = co.aTp(), aSp = co.aSp();
        float ceScale = co.ceScale();
        float w = (float) spec.weight();
        parallel.forEach(n * slices, job -> {
            int s = job / slices, sl = job % slices, gi = spec.batchDice() ? 0 : s;
            int from = Parallel.sliceStart(v, slices, sl), to = Parallel.sliceStart(v, slices, sl + 1);
            float[] tpG = aTp[gi], spG = aSp[gi];
            for (int vox = from; vox < to; vox++) {
                int i = s * v + vox, o = i * k, y = (int) labels[i];
                if (y == ignore) {
                    for (int j = 0; j < k; j++) grad[o + j] = 0f;
                    continue;
                }
                if (y == merged) {
                    float q = 0, pa = 0;
                    for (int j = 0; j < k; j++) {
                        if (isMerged[j]) q += grad[o + j];
                        else pa += grad[o + j] * spG[j];
                    }
                    for (int j = 0; j < k; j++) {
                        float p = grad[o + j];
                        float a = isMerged[j] ? 0f : spG[j];
                        float dce = (p - (isMerged[j] ? p / q : 0f)) * ceScale;
                        grad[o + j] = w * (dce + p * (a - pa));
                    }
                    continue;
                }
                float pa = 0;
                for (int j = 0; j < k; j++) pa += grad[o + j] * (spG[j] + (j == y ? tpG[j] : 0f));
                for (int j = 0; j < k; j++) {
                    float p = grad[o + j];
                    float a = spG[j] + (j == y ? tpG[j] : 0f);
                    float dce = (p - (j == y ? 1f : 0f)) * ceScale;
                    grad[o + j] = w * (dce + p * (a - pa));
                }
            }
        });
        return new LossResult(co.loss(), co.crossEntropy(), co.dice(), null);
    }
}
