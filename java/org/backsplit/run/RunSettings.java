package org.backsplit.run;

import java.util.List;
import org.backsplit.data.TrainingMode;
import org.backsplit.nn.Architecture;
import org.backsplit.train.OptimizerConfig;

/**
 * What a training run on a dataset is: recorded as run.json in its folder, so `--continue` and `predict` need no
 * flags repeated.
 *
 * @param mode                 backsplit, binary or virtual
 * @param targets              the lesion classes (dataset.json names) the model is judged on
 * @param auxiliary            the auxiliary classes in backsplit mode; empty: every other label of dataset.json
 *                             (a subset keeps training manageable with many structures, the paper's §J; the
 *                             labels left out become background)
 * @param fold                 0..4, or -1 for all cases (nnU-Net's "all": validation on the training cases)
 * @param validationBatches    validation batches per epoch for the pseudo-Dice (nnU-Net: 50)
 * @param baseFeatures         width of the first stage (nnU-Net: 32), doubling per stage up to maxFeatures (320)
 * @param diceOnTargetsOnly    soft Dice over the target classes only (auxiliary classes learned through CE)
 * @param batchDice            Dice statistics summed over the batch
 * @param marginal             cases listed in withoutAuxiliary take the marginal loss over background + auxiliary
 * @param withoutAuxiliary     case ids whose auxiliary structures are not annotated
 * @param fisherEvery          measure the Fisher ratio near the target every this many epochs (0: never)
 * @param architecture         the network (absent from a run.json written before the field existed: the 3D U-Net)
 */
public record RunSettings(TrainingMode mode, List<String> targets, List<String> auxiliary, int fold, int epochs, int iterationsPerEpoch, int validationBatches,
                          long seed, int baseFeatures, int maxFeatures, boolean diceOnTargetsOnly, boolean batchDice, boolean marginal,
                          List<String> withoutAuxiliary, OptimizerConfig optimizer, int fisherEvery, Architecture architecture) {

    public RunSettings {
        targets = List.copyOf(targets);
        auxiliary = auxiliary == null ? List.of() : List.copyOf(auxiliary); // absent from a run.json written before the field existed
        withoutAuxiliary = List.copyOf(withoutAuxiliary);
        if (architecture == null) architecture = Architecture.UNET;
        if (targets.isEmpty()) throw new IllegalArgumentException("name at least one target class");
        if (fold < -1 || fold > 4) throw new IllegalArgumentException("fold must be 0..4 or all, not " + fold);
        if (epochs < 1 || iterationsPerEpoch < 1 || validationBatches < 1) {
            throw new IllegalArgumentException("epochs, iterations per epoch and validation batches must be >= 1");
        }
        if (baseFeatures < 1 || maxFeatures < baseFeatures) throw new IllegalArgumentException("features must satisfy 1 <= base <= max");
    }

    /** nnU-Net's trainer: 1000 epochs of 250 iterations, 50 validation batches, widths 32..320, SGD; the 3D U-Net. */
    public static RunSettings nnUNet(TrainingMode mode, List<String> targets, int fold) {
        return new RunSettings(mode, targets, List.of(), fold, 1000, 250, 50, 12345, 32, 320, false, false, true, List.of(), OptimizerConfig.nnUNetSgd(),
                mode == TrainingMode.BACKSPLIT ? 1 : 0, Architecture.UNET);
    }

    /** The mode and a chosen auxiliary subset: "backsplit", "binary", "backsplit-liver+spleen". */
    public String modeName() {
        String m = mode.toString().toLowerCase(java.util.Locale.ROOT);
        return auxiliary.isEmpty() ? m : m + "-" + String.join("+", auxiliary);
    }

    /** The folder name of the configuration, as nnU-Net's Trainer__Plans__configuration: MODE__NETWORK__3d_fullres or __2d. */
    public String configurationName() {
        return modeName() + switch (architecture) {
            case UNET2D -> "__PlainConvUNet__2d";
            default -> "__" + architecture.checkpointName() + "__3d_fullres";
        };
    }

    /** The class layout of this run on a dataset. */
    public org.backsplit.data.ClassMap classes(org.backsplit.data.DatasetJson json) {
        if (auxiliary.isEmpty()) return org.backsplit.data.ClassMap.of(json, targets, mode, marginal);
        return new org.backsplit.data.ClassMap(json.labels(), targets, auxiliary, json.ignoreLabel(), mode, marginal);
    }

    public String foldName() {
        return fold < 0 ? "fold_all" : "fold_" + fold;
    }
}
