package org.backsplit.fisher;

import java.util.List;
import org.backsplit.data.geometry.DistanceTransform;
import org.backsplit.nn.PlainConvUNet;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Measures Proposition 1's information terms for a trained network on some cases: per voxel, from the
 * softmax of the highest-resolution head and the features that head reads (the final 1x1x1 layer's
 * parameters), summed over all voxels and over the voxels within a margin (mm) of the target class.
 */
public final class FisherDiagnostic {
    private FisherDiagnostic() {
    }

    public record Result(FisherSummary all, FisherSummary nearTarget) {
    }

    /**
     * @param images  [N, D, H, W, C] on the network's backend
     * @param labels  training labels, N*D*H*W, x fastest
     * @param spacing voxel size along (x, y, z) in mm
     */
    public static Result measure(PlainConvUNet net, Tensor images, float[] labels, int target, double marginMm, double[] spacing) {
        List<Tensor> logits = net.forward(images);
        Shape ls = logits.get(0).shape();
        Tensor feat = net.finalFeatures();
        float[] z = net.backend().download(logits.get(0)), h = net.backend().download(feat);
        logits.forEach(Tensor::close);
        net.release();
        int k = ls.c(), f = feat.shape().c(), v = ls.spatial();
        FisherSummary all = new FisherSummary(k), near = new FisherSummary(k);
        int[] dims = {ls.w(), ls.h(), ls.d()};
        double[] eta = new double[k], x = new double[f];
        for (int n = 0; n < ls.n(); n++) {
            boolean[] lesion = new boolean[v];
            boolean any = false;
            for (int i = 0; i < v; i++) any |= lesion[i] = labels[n * v + i] == target;
            double[] dist = any ? DistanceTransform.distances(lesion, dims, spacing) : null;
            for (int i = 0; i < v; i++) {
                int o = (n * v + i) * k;
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < k; j++) max = Math.max(max, z[o + j]);
                for (int j = 0; j < k; j++) sum += eta[j] = Math.exp(z[o + j] - max);
                for (int j = 0; j < k; j++) eta[j] /= sum;
                for (int j = 0; j < f; j++) x[j] = h[(n * v + i) * f + j];
                FisherTerms.Voxel t = FisherTerms.at(eta, x, target);
                all.add(t);
                if (dist != null && dist[i] <= marginMm) near.add(t);
            }
        }
        return new Result(all, near);
    }
}
