package org.backsplit.fisher;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.data.geometry.DistanceTransform;
import org.backsplit.data.patch.PatchSampler;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Measures Proposition 1's information terms for a trained network on whole cases: per voxel, from the softmax of the
 * highest-resolution head and the features that head reads (the final 1x1x1 layer's parameters), summed over all voxels
 * and over the voxels within a margin (mm) of the target class.
 *
 * <p>A case is covered by patch-sized tiles (the last one along each axis shifted back to end at the border, padding
 * where the case is smaller than a patch); each voxel counts once, from the first tile that holds it. The margin is
 * measured on the whole case, so lesions in a neighbouring tile count.
 */
public final class FisherDiagnostic {
    private FisherDiagnostic() {}

    public record Result(FisherSummary all, FisherSummary nearTarget) {}

    /**
     * @param patch tile size {x, y, z}, one the network accepts
     * @param spacing voxel size {x, y, z} in mm
     */
    public static Result measure(
            SegmentationNetwork net,
            List<PreparedCase> cases,
            int[] patch,
            int target,
            double marginMm,
            double[] spacing) {
        int k = net.plan().numClasses();
        FisherSummary all = new FisherSummary(k), near = new FisherSummary(k);
        PatchSampler tiles = new PatchSampler(patch);
        for (PreparedCase c : cases) {
            int[] d = c.dims();
            boolean[] lesion = new boolean[c.labels().length];
            boolean any = false;
            for (int i = 0; i < lesion.length; i++) any |= lesion[i] = c.labels()[i] == target;
            double[] dist = any ? DistanceTransform.distances(lesion, d, spacing) : null;
            boolean[] counted = new boolean[lesion.length];
            for (int[] corner : corners(d, patch)) {
                float[][] tile = tiles.extract(c, corner);
                measureTile(
                        net,
                        tile,
                        c.channels().length,
                        patch,
                        (p, voxel) -> {
                            int x = corner[0] + p % patch[0],
                                    y = corner[1] + (p / patch[0]) % patch[1],
                                    z = corner[2] + p / (patch[0] * patch[1]);
                            if (x < 0 || y < 0 || z < 0 || x >= d[0] || y >= d[1] || z >= d[2]) return;
                            int i = (z * d[1] + y) * d[0] + x;
                            if (counted[i]) return;
                            counted[i] = true;
                            all.add(voxel);
                            if (dist != null && dist[i] <= marginMm) near.add(voxel);
                        },
                        target);
            }
        }
        return new Result(all, near);
    }

    /** Lower corners of the tiles that cover dims: 0, p, 2p, ... and the last ending at the border. */
    static List<int[]> corners(int[] dims, int[] patch) {
        List<List<Integer>> perAxis = new ArrayList<>();
        for (int a = 0; a < 3; a++) {
            List<Integer> s = new ArrayList<>();
            if (dims[a] <= patch[a]) {
                s.add(-((patch[a] - dims[a]) / 2));
            } else {
                for (int o = 0; o + patch[a] < dims[a]; o += patch[a]) s.add(o);
                s.add(dims[a] - patch[a]);
            }
            perAxis.add(s);
        }
        List<int[]> out = new ArrayList<>();
        for (int z : perAxis.get(2))
            for (int y : perAxis.get(1)) for (int x : perAxis.get(0)) out.add(new int[] {x, y, z});
        return out;
    }

    private interface VoxelSink {
        void accept(int patchVoxel, FisherTerms.Voxel terms);
    }

    private static void measureTile(
            SegmentationNetwork net, float[][] tile, int channels, int[] patch, VoxelSink sink, int target) {
        int v = patch[0] * patch[1] * patch[2];
        float[] channelsLast = new float[v * channels];
        for (int i = 0; i < v; i++) for (int ch = 0; ch < channels; ch++) channelsLast[i * channels + ch] = tile[ch][i];
        Tensor input = net.backend().upload(channelsLast, Shape.ndhwcOfXyz(1, patch, channels));
        List<Tensor> logits = net.forward(input);
        Tensor feat = net.finalFeatures();
        int k = logits.get(0).shape().c(), f = feat.shape().c();
        float[] z = net.backend().download(logits.get(0)), h = net.backend().download(feat);
        logits.forEach(Tensor::close);
        net.release();
        input.close();
        double[] eta = new double[k], x = new double[f];
        for (int i = 0; i < v; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < k; j++) max = Math.max(max, z[i * k + j]);
            for (int j = 0; j < k; j++) sum += eta[j] = Math.exp(z[i * k + j] - max);
            for (int j = 0; j < k; j++) eta[j] /= sum;
            for (int j = 0; j < f; j++) x[j] = h[i * f + j];
            sink.accept(i, FisherTerms.at(eta, x, target));
        }
    }
}
