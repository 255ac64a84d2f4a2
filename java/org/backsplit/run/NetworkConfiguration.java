package org.backsplit.run;

import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.Planner;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;

/**
 * What an architecture makes of a dataset's plan (plans.json, the 3D full-resolution configuration): the plan it trains
 * and predicts with, and its network topology. Training, prediction, the Fisher diagnostic and the demo all ask here,
 * so a network never meets a patch it was not made for.
 */
public final class NetworkConfiguration {
    private NetworkConfiguration() {}

    /**
     * The 3D U-Nets use the plan as it is; the 2D U-Net nnU-Net's 2d configuration (slices); SegResNet and SwinUNETR
     * the plan with the patch rounded up to what their stride-2 levels divide (8 and 32), and for SwinUNETR at least
     * two bottleneck voxels (64 x 32 x 32, not 32^3).
     */
    public static Plan dataPlan(Architecture a, Plan plan) {
        return switch (a) {
            case UNET, RESENC -> plan;
            case UNET2D, RESENC2D -> Planner.planar(plan);
            case SEGRESNET, SWINUNETR -> {
                int[] divisor = a.plan(1, 2, null, null, 12, 12).totalStride(); // z, y, x: the topology is fixed
                int[] patch = plan.patchSize().clone(); // x, y, z
                for (int i = 0; i < 3; i++)
                    patch[i] = (patch[i] + divisor[2 - i] - 1) / divisor[2 - i] * divisor[2 - i];
                // a 32^3 patch leaves SwinUNETR one bottleneck voxel, which its instance norms zero out (PyTorch
                // refuses to train that): the x side doubles
                if (a == Architecture.SWINUNETR && patch[0] == 32 && patch[1] == 32 && patch[2] == 32) patch[0] = 64;
                yield new Plan(
                        plan.targetSpacing(),
                        plan.medianShape(),
                        patch,
                        plan.batchSize(),
                        plan.strides(),
                        plan.kernels(),
                        plan.normalization(),
                        plan.useMaskForNorm(),
                        plan.ctStatistics());
            }
        };
    }

    /**
     * A line saying how {@link #dataPlan} changed the dataset plan's patch for this architecture, or null when it kept
     * it (a planner that rounds says so).
     */
    public static String patchNote(Architecture a, Plan plan) {
        int[] from = plan.patchSize(), to = dataPlan(a, plan).patchSize();
        if (java.util.Arrays.equals(from, to) || a.planar()) return null;
        return a.checkpointName() + ": patch " + java.util.Arrays.toString(from) + " (x, y, z) rounded up to "
                + java.util.Arrays.toString(to) + ", which its " + (a == Architecture.SWINUNETR ? "5" : "3")
                + " stride-2 levels divide"
                + (a == Architecture.SWINUNETR ? " with more than one bottleneck voxel" : "");
    }

    /**
     * The sliding-window tile {x, y, z} for a trained network on a dataset's plan: its training patch, divisible by its
     * strides.
     */
    public static int[] tile(org.backsplit.nn.SegmentationNetwork net, Plan datasetPlan) {
        return net.plan()
                .roundUpInputSize(dataPlan(net.architecture(), datasetPlan).patchSize());
    }

    /** The network for a plan from {@link #dataPlan}: its kernels and strides, widths min(base * 2^i, cap). */
    public static UNetPlan networkPlan(Architecture a, Plan plan, int channels, int classes, int base, int cap) {
        int n = plan.kernels().length;
        int[][] kernels = new int[n][], strides = new int[n][];
        for (int i = 0; i < n; i++) { // the data plan lists axes x, y, z; the network z, y, x
            kernels[i] = Shape.reverseAxes(plan.kernels()[i]);
            strides[i] = Shape.reverseAxes(plan.strides()[i]);
        }
        return a.plan(channels, classes, kernels, strides, base, cap);
    }
}
