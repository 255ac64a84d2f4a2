package org.backsplit.run;

import java.util.Map;

/**
 * One epoch of a run, as the log line, progress.json and the chart show it.
 *
 * @param pseudoDice per target class: Dice of the argmax over the epoch's validation patches (nnU-Net's pseudo Dice)
 * @param targetPseudoDice the mean of those
 * @param emaPseudoDice its exponential moving average (0.9 old + 0.1 new), which picks the best checkpoint
 * @param fisherRatioNear tr I_Y / tr I_Z near the target on validation cases, or null when not measured
 */
public record EpochRecord(
        int epoch,
        double trainLoss,
        double validationLoss,
        Map<String, Double> pseudoDice,
        double targetPseudoDice,
        double emaPseudoDice,
        double learningRate,
        double seconds,
        Double fisherRatioNear) {

    public String logLine(int epochs) {
        StringBuilder b = new StringBuilder(String.format(
                java.util.Locale.ROOT,
                "epoch %d/%d  train loss %.4f  val loss %.4f  pseudo Dice",
                epoch + 1,
                epochs,
                trainLoss,
                validationLoss));
        pseudoDice.forEach((k, v) -> b.append(String.format(java.util.Locale.ROOT, " %s %.4f", k, v)));
        b.append(String.format(
                java.util.Locale.ROOT, "  (EMA %.4f)  lr %.5f  %.1f s", emaPseudoDice, learningRate, seconds));
        if (fisherRatioNear != null)
            b.append(String.format(java.util.Locale.ROOT, "  Fisher ratio near target %.3f", fisherRatioNear));
        return b.toString();
    }
}
