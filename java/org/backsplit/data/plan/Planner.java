package org.backsplit.data.plan;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.data.preprocess.TargetSpacing;
import org.backsplit.data.preprocess.Topology;

/**
 * nnU-Net's ExperimentPlanner for the 3d_fullres configuration, as we read it (nnU-Net itself is not here to compare
 * with): target spacing by its rule; an initial patch of about 256^3 voxels shaped like the inverse spacing, clipped to
 * the median shape; the topology for it; then, while the network's feature maps (every convolution output, transposed
 * convolutions and heads: nnU-Net's compute_conv_feature_map_size) exceed the reference of 560e6 elements (8 GB), the
 * axis whose patch is largest relative to the median shape shrinks by one divisibility step; batch size = round(2 *
 * reference / estimate), covering at most 5% of the dataset's voxels (median shape times the number of cases), at least
 * 2. Widths min(32 * 2^i, 320). The feature-map count and the reduction step were checked against the published source
 * of nnU-Net and dynamic_network_architectures; the resulting plans were not compared with nnU-Net's own output.
 */
public final class Planner {
    static final double REFERENCE = 560e6;
    static final int REFERENCE_BATCH = 2;

    private Planner() {}

    public static Plan plan(Fingerprint f, List<String> channelNames, int numClasses) {
        double[] target = TargetSpacing.fullres(f.spacings(), f.shapesAfterCrop());
        int n = f.spacings().size();
        int[] median = new int[3];
        double totalVoxels = 0;
        for (int a = 0; a < 3; a++) {
            double[] sizes = new double[n];
            for (int i = 0; i < n; i++)
                sizes[i] = f.shapesAfterCrop().get(i)[a] * f.spacings().get(i)[a] / target[a];
            java.util.Arrays.sort(sizes);
            median[a] = (int) Math.round(n % 2 == 1 ? sizes[n / 2] : (sizes[n / 2 - 1] + sizes[n / 2]) / 2);
        }
        totalVoxels = (double) median[0] * median[1] * median[2] * n; // nnU-Net's approximate_n_voxels_dataset
        double[] inv = {1 / target[0], 1 / target[1], 1 / target[2]};
        double k = Math.cbrt(Math.pow(256, 3) / (inv[0] * inv[1] * inv[2]));
        int[] patch = new int[3];
        for (int a = 0; a < 3; a++) patch[a] = Math.min((int) Math.round(inv[a] * k), median[a]);
        Topology t = Topology.of(target, patch);
        double estimate = featureMapSize(t, numClasses);
        while (estimate > REFERENCE) {
            int axis = 0;
            double worst = -1;
            for (int a = 0; a < 3; a++) {
                double r = (double) t.patch()[a] / median[a];
                if (r > worst) {
                    worst = r;
                    axis = a;
                }
            }
            // as nnU-Net: step down by the divisibility of the patch one step smaller, so no valid size is skipped
            int[] tmp = t.patch().clone();
            tmp[axis] -= t.divisibleBy()[axis];
            if (tmp[axis] < 1) break;
            int[] smaller = t.patch().clone();
            smaller[axis] -= Topology.of(target, tmp).divisibleBy()[axis];
            t = Topology.of(target, smaller);
            estimate = featureMapSize(t, numClasses);
        }
        int batch = (int) Math.round(REFERENCE / estimate * REFERENCE_BATCH);
        double patchVoxels = (double) t.patch()[0] * t.patch()[1] * t.patch()[2];
        batch = Math.max(Math.min(batch, (int) Math.round(totalVoxels * 0.05 / patchVoxels)), 2);
        List<String> norm = new ArrayList<>();
        List<Boolean> mask = new ArrayList<>();
        List<org.backsplit.data.preprocess.IntensityStatistics> ct = new ArrayList<>();
        for (int c = 0; c < channelNames.size(); c++) {
            boolean isCt = channelNames.get(c).equalsIgnoreCase("CT");
            norm.add(isCt ? "CT" : "ZScore");
            mask.add(!isCt && f.medianRelativeSizeAfterCrop() < 0.75);
            ct.add(isCt ? f.foregroundIntensities().get(c) : null);
        }
        return new Plan(target, median, t.patch(), batch, t.strides(), t.kernels(), norm, mask, ct);
    }

    /**
     * The plan with a patch and batch chosen by hand (as nnU-Net users edit plans.json): the topology is made anew for
     * the patch, which is rounded up to what that topology divides.
     */
    public static Plan withPatch(Plan p, int[] patch, int batchSize) {
        if (patch.length != 3) throw new IllegalArgumentException("a patch has 3 axes x,y,z, not " + patch.length);
        if (batchSize < 1) throw new IllegalArgumentException("the batch size must be >= 1");
        Topology t = Topology.of(p.targetSpacing(), patch);
        return new Plan(
                p.targetSpacing(),
                p.medianShape(),
                t.patch(),
                batchSize,
                t.strides(),
                t.kernels(),
                p.normalization(),
                p.useMaskForNorm(),
                p.ctStatistics());
    }

    /**
     * The 2d configuration on the same preprocessed data: the network sees single slices (patch depth 1). The in-plane
     * patch starts as nnU-Net's does (shaped like the inverse spacing, 2048^2 voxels) clipped to the median slice, with
     * the 2D topology for it (kernels and strides 1 along z). Not nnU-Net's: no shrinking for memory (a slice is
     * small), and the batch carries as many voxels as the 3D plan's batch (at least 2).
     */
    public static Plan planar(Plan p) {
        double[] spacing = {p.targetSpacing()[0], p.targetSpacing()[1]};
        double k = Math.sqrt(2048.0 * 2048.0 * spacing[0] * spacing[1]);
        int[] patch = new int[2];
        for (int a = 0; a < 2; a++)
            patch[a] = Math.max(1, Math.min((int) Math.round(k / spacing[a]), p.medianShape()[a]));
        Topology t = Topology.of(spacing, patch);
        int[][] strides = new int[t.strides().length][], kernels = new int[t.kernels().length][];
        for (int s = 0; s < strides.length; s++) {
            strides[s] = new int[] {t.strides()[s][0], t.strides()[s][1], 1};
            kernels[s] = new int[] {t.kernels()[s][0], t.kernels()[s][1], 1};
        }
        int[] p3 = p.patchSize();
        double voxels3d = (double) p3[0] * p3[1] * p3[2] * p.batchSize();
        int batch = Math.max(2, (int) Math.round(voxels3d / ((double) t.patch()[0] * t.patch()[1])));
        return new Plan(
                p.targetSpacing(),
                p.medianShape(),
                new int[] {t.patch()[0], t.patch()[1], 1},
                batch,
                strides,
                kernels,
                p.normalization(),
                p.useMaskForNorm(),
                p.ctStatistics());
    }

    /** nnU-Net's compute_conv_feature_map_size: elements of every convolution output, upsampling and head. */
    static double featureMapSize(Topology t, int numClasses) {
        int stages = t.strides().length;
        int[][] size = new int[stages][3];
        int[] cur = t.patch().clone();
        double total = 0;
        for (int s = 0; s < stages; s++) {
            for (int a = 0; a < 3; a++) cur[a] /= t.strides()[s][a];
            size[s] = cur.clone();
            double voxels = (double) cur[0] * cur[1] * cur[2];
            total += 2 * width(s) * voxels; // two convolutions
        }
        for (int s = stages - 2; s >= 0; s--) {
            double voxels = (double) size[s][0] * size[s][1] * size[s][2];
            total += width(s) * voxels; // transposed convolution output
            total += 2 * width(s) * voxels; // two convolutions
            total += numClasses * voxels; // deep-supervision head
        }
        return total;
    }

    private static int width(int stage) {
        return Math.min(32 << stage, 320);
    }
}
