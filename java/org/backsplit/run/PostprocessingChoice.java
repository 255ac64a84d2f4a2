package org.backsplit.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.eval.Dice;
import org.backsplit.infer.Postprocessing;

/**
 * Decides nnU-Net's postprocessing on cross-validation predictions: for each label, keeping only the largest connected
 * component is adopted when it raises the mean Dice over the cases (cases where Dice is undefined both ways are left
 * out), as nnU-Net's determine_postprocessing does per class.
 */
public final class PostprocessingChoice {
    /** The choice, and the mean Dice per label without and with the largest-component rule (for the record). */
    public record Result(Postprocessing postprocessing, Map<Integer, double[]> meanDiceBeforeAfter) {}

    private PostprocessingChoice() {}

    /** @param predictions and references: the same cases in the same order */
    public static Result decide(List<Path> predictions, List<Path> references, List<Integer> labels)
            throws IOException {
        Map<Integer, double[]> sums = new LinkedHashMap<>();
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (int c = 0; c < predictions.size(); c++) {
            NiftiImage pred = Nifti.read(predictions.get(c)), ref = Nifti.read(references.get(c));
            int[] dims = {pred.dims()[0], pred.dims()[1], pred.dims()[2]};
            for (int label : labels) {
                float[] after = pred.data().clone();
                Postprocessing.keepLargestComponent(after, dims, label);
                double before = dice(pred.data(), ref.data(), label), post = dice(after, ref.data(), label);
                if (Double.isNaN(before) && Double.isNaN(post)) continue;
                double[] s = sums.computeIfAbsent(label, k -> new double[2]);
                s[0] += Double.isNaN(before) ? 0 : before;
                s[1] += Double.isNaN(post) ? 0 : post;
                counts.merge(label, 1, Integer::sum);
            }
        }
        List<Integer> adopt = new ArrayList<>();
        Map<Integer, double[]> means = new LinkedHashMap<>();
        for (int label : labels) {
            int n = counts.getOrDefault(label, 0);
            if (n == 0) continue;
            double[] m = {sums.get(label)[0] / n, sums.get(label)[1] / n};
            means.put(label, m);
            if (m[1] > m[0]) adopt.add(label);
        }
        return new Result(new Postprocessing(adopt), means);
    }

    private static double dice(float[] pred, float[] ref, int label) {
        boolean[] p = new boolean[pred.length], r = new boolean[ref.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = pred[i] == label;
            r[i] = ref[i] == label;
        }
        return Dice.of(p, r);
    }
}
