package org.backsplit.infer;

import java.util.Arrays;
import org.backsplit.data.plan.Plan;

/**
 * Whether a case fits the arrays prediction needs, decided from the image header before any voxel is read. Java arrays
 * hold at most 2³¹ − 1 values; prediction holds the image, its resampled channels, the logits of every class at the
 * plan's spacing (channels-last, one array), the logits resampled back per class, and, when asked, all probabilities as
 * one array. A case that would overflow one of them is refused up front with the sizes and the way out, rather than
 * failing half way (or wrapping around).
 */
public final class InferenceSize {
    /** The largest Java array (a few values short of 2³¹ − 1, as the JDK allows). */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private InferenceSize() {}

    /**
     * @param image what the message names (the image file)
     * @param dims the image's dims {x, y, z} in the model's axis order, spacing likewise
     * @param tile the sliding-window tile {x, y, z}
     * @param classes the network's outputs
     * @param probabilities whether all probabilities are written as one array
     */
    public static void check(
            String image, int[] dims, double[] spacing, Plan plan, int[] tile, int classes, boolean probabilities) {
        double[] target = plan.targetSpacingFor(spacing);
        long original = 1, resampled = 1, largest = 1;
        long[] at = new long[3];
        for (int a = 0; a < 3; a++) {
            original *= dims[a];
            at[a] = Math.max(1, Math.round(spacing[a] / target[a] * dims[a]));
            resampled *= Math.max(at[a], tile[a]); // padded to at least one tile
            largest *= Math.max(Math.max(at[a], tile[a]), dims[a]); // resampling goes axis by axis
        }
        check(image, original, "its voxels", "");
        check(image, largest, "resampling it axis by axis", "");
        check(
                image,
                resampled * classes,
                "the logits at the plan's spacing",
                " (" + Arrays.toString(at) + " voxels × " + classes + " classes)");
        if (probabilities)
            check(
                    image,
                    original * classes,
                    "the probabilities written",
                    " (" + original + " voxels × " + classes + " classes); leave out --save-probabilities");
    }

    private static void check(String image, long values, String what, String detail) {
        if (values > MAX_ARRAY) {
            throw new IllegalArgumentException(image + ": too large to predict in one piece: " + what + " need "
                    + values + " values" + detail + ", more than one Java array holds (" + MAX_ARRAY
                    + "). Crop the image to the region of interest or split it into parts and predict each.");
        }
    }
}
