package org.backsplit.data.preprocess;

/**
 * nnU-Net's intensity normalisations, applied to one channel before resampling. CT: clip to the dataset's foreground
 * 0.5/99.5 percentiles, then z-score with the foreground mean and std. Everything else: z-score per image, over the
 * non-zero region (labels >= 0 after cropping) when cropping removed a large part of the images (nnU-Net's
 * use_mask_for_norm), with the outside set to 0; over the whole image otherwise.
 */
public sealed interface Normalization {

    float[] apply(float[] image, float[] labels);

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
