package org.backsplit.data.preprocess;

/**
 * nnU-Net's intensity normalisations, applied to one channel before resampling. CT: clip to the dataset's foreground
 * 0.5/99.5 percentiles, then z-score with the foreground mean and std. Everything else: z-score per image, over the
 * non-zero region (labels >= 0 after cropping) when cropping removed a large part of the images (nnU-Net's
 * use_mask_for_norm), with the outside set to 0; over the whole image otherwise.
 */
public sealed interface Normalization {

    float[] apply(float[] image, float[] labels);

    /**
     * The scheme a plan names for a channel: ours ("CT", "ZScore") or nnU-Net's class names (CTNormalization,
     * ZScoreNormalization, NoNormalization, RescaleTo01Normalization, RGBTo0_1Normalization).
     */
    static Normalization of(String scheme, boolean useMaskForNorm, IntensityStatistics foreground) {
        return switch (scheme) {
            case "CT", "CTNormalization" -> {
                if (foreground == null)
                    throw new IllegalArgumentException("CT normalisation needs the foreground intensity statistics");
                yield new Ct(foreground);
            }
            case "ZScore", "ZScoreNormalization" -> new ZScore(useMaskForNorm);
            case "NoNormalization" -> new None();
            case "RescaleTo01Normalization" -> new RescaleTo01();
            case "RGBTo0_1Normalization" -> new RgbTo01();
            default ->
                throw new IllegalArgumentException(
                        "unknown normalisation scheme '" + scheme + "' (one of CTNormalization,"
                                + " ZScoreNormalization, NoNormalization, RescaleTo01Normalization, RGBTo0_1Normalization)");
        };
    }

    /** nnU-Net's NoNormalization: the values as they are. */
    record None() implements Normalization {
        @Override
        public float[] apply(float[] image, float[] labels) {
            return image.clone();
        }
    }

    /** nnU-Net's RGBTo0_1Normalization: x / 255 for values in 0..255. */
    record RgbTo01() implements Normalization {
        @Override
        public float[] apply(float[] image, float[] labels) {
            float[] out = new float[image.length];
            for (int i = 0; i < out.length; i++) {
                if (image[i] < 0 || image[i] > 255)
                    throw new IllegalArgumentException("RGB normalisation needs values in 0..255, found " + image[i]);
                out[i] = image[i] / 255f;
            }
            return out;
        }
    }

    /** nnU-Net's RescaleTo01Normalization: (x - min) / max(max - min, 1e-8). */
    record RescaleTo01() implements Normalization {
        @Override
        public float[] apply(float[] image, float[] labels) {
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (float v : image) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double range = Math.max(max - min, 1e-8);
            float[] out = new float[image.length];
            for (int i = 0; i < out.length; i++) out[i] = (float) ((image[i] - min) / range);
            return out;
        }
    }

    record Ct(IntensityStatistics stats) implements Normalization {
        @Override
        public float[] apply(float[] image, float[] labels) {
            double lo = stats.percentile005(), hi = stats.percentile995(), sd = Math.max(stats.std(), 1e-8);
            float[] out = new float[image.length];
            for (int i = 0; i < out.length; i++)
                out[i] = (float) ((Math.min(Math.max(image[i], lo), hi) - stats.mean()) / sd);
            return out;
        }
    }

    record ZScore(boolean useNonzeroMask) implements Normalization {
        @Override
        public float[] apply(float[] image, float[] labels) {
            boolean masked = useNonzeroMask && labels != null;
            double sum = 0;
            long n = 0;
            for (int i = 0; i < image.length; i++) {
                if (masked && labels[i] < 0) continue;
                sum += image[i];
                n++;
            }
            double mean = n == 0 ? 0 : sum / n, sq = 0;
            for (int i = 0; i < image.length; i++) {
                if (masked && labels[i] < 0) continue;
                sq += (image[i] - mean) * (image[i] - mean);
            }
            double sd = Math.max(n == 0 ? 0 : Math.sqrt(sq / n), 1e-8);
            float[] out = new float[image.length];
            for (int i = 0; i < out.length; i++)
                out[i] = masked && labels[i] < 0 ? 0f : (float) ((image[i] - mean) / sd);
            return out;
        }
    }
}
