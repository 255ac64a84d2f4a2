package org.backsplit.infer;

import org.backsplit.data.preprocess.Resampling;

/**
 * Brings a prediction made on a preprocessed case back to the case's original grid, as nnU-Net does: the logits are
 * resampled from the plan's spacing to the cropped region's original size (linear, nearest along a separate anisotropic
 * axis), turned into probabilities and a segmentation by softmax and argmax, and put back into the crop box; outside it
 * the segmentation is background and the background probability 1.
 */
public final class RevertPreprocessing {
    private RevertPreprocessing() {}

    /**
     * Where the preprocessed case came from: the original dims, the crop box [lo, hi) per axis (x, y, z), the original
     * spacing and the plan's spacing, all {x, y, z}.
     */
    public record Geometry(int[] originalDims, int[][] cropBox, double[] originalSpacing, double[] planSpacing) {
        int[] croppedDims() {
            return new int[] {
                cropBox[0][1] - cropBox[0][0], cropBox[1][1] - cropBox[1][0], cropBox[2][1] - cropBox[2][0]
            };
        }
    }

    /** Class per original voxel and, per class, its probability there (x fastest). */
    public record Reverted(int[] segmentation, float[][] probabilities) {}

    /** @param logits channels-last [voxel][K] over the preprocessed dims {nx, ny, nz} */
    public static Reverted revert(float[] logits, int k, int[] dims, Geometry g) {
        int[] cropped = g.croppedDims();
        int v = dims[0] * dims[1] * dims[2], cv = cropped[0] * cropped[1] * cropped[2];
        if (logits.length != (long) v * k)
            throw new IllegalArgumentException(
                    "logits hold " + logits.length + " values, dims and K say " + (long) v * k);
        Resampling.Order[] orders = new Resampling.Order[3];
        int sep = separateAxis(g);
        for (int a = 0; a < 3; a++) orders[a] = a == sep ? Resampling.Order.NEAREST : Resampling.Order.LINEAR;
        float[][] resampled = new float[k][];
        float[] channel = new float[v];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < v; i++) channel[i] = logits[i * k + j];
            resampled[j] = Resampling.resize(channel, dims, cropped, orders);
        }
        int ov = g.originalDims()[0] * g.originalDims()[1] * g.originalDims()[2];
        int[] seg = new int[ov];
        float[][] probs = new float[k][ov];
        java.util.Arrays.fill(probs[0], 1f);
        double[] p = new double[k];
        for (int z = 0; z < cropped[2]; z++)
            for (int y = 0; y < cropped[1]; y++)
                for (int x = 0; x < cropped[0]; x++) {
                    int c = (z * cropped[1] + y) * cropped[0] + x;
                    int o = ((z + g.cropBox()[2][0]) * g.originalDims()[1] + y + g.cropBox()[1][0])
                                    * g.originalDims()[0]
                            + x
                            + g.cropBox()[0][0];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    int best = 0;
                    for (int j = 0; j < k; j++) {
                        if (resampled[j][c] > max) {
                            max = resampled[j][c];
                            best = j;
                        }
                    }
                    for (int j = 0; j < k; j++) sum += p[j] = Math.exp(resampled[j][c] - max);
                    for (int j = 0; j < k; j++) probs[j][o] = (float) (p[j] / sum);
                    seg[o] = best;
                }
        return new Reverted(seg, probs);
    }

    /** nnU-Net looks at the spacing it resamples from first, then the one it resamples to. */
    private static int separateAxis(Geometry g) {
        return Resampling.separateAxis(g.planSpacing(), g.originalSpacing());
    }
}
