package org.backsplit.run;

import java.util.List;
import org.backsplit.data.TrainingMode;
import org.backsplit.nn.Architecture;
import org.backsplit.train.OptimizerConfig;

/**
 * What a training run on a dataset is: recorded as run.json in its folder, so `--continue` and `predict` need no flags
 * repeated.
 *
 * @param mode backsplit, binary or virtual
 * @param targets the lesion classes (dataset.json names) the model is judged on
 * @param auxiliary the auxiliary classes in backsplit mode; empty: every other label of dataset.json (a subset keeps
 *     training manageable with many structures, the paper's §J; the labels left out become background)
 * @param fold 0..4, or -1 for all cases (nnU-Net's "all": validation on the training cases)
 * @param validationBatches validation batches per epoch for the pseudo-Dice (nnU-Net: 50)
 * @param baseFeatures width of the first stage (nnU-Net: 32), doubling per stage up to maxFeatures (320)
 * @param diceOnTargetsOnly soft Dice over the target classes only (auxiliary classes learned through CE)
 * @param batchDice Dice statistics summed over the batch
 * @param marginal cases listed in withoutAuxiliary take the marginal loss over background + auxiliary
 * @param withoutAuxiliary case ids whose auxiliary structures are not annotated
 * @param fisherEvery measure the Fisher ratio near the target every this many epochs (0: never)
 * @param architecture the network (absent from a run.json written before the field existed: the 3D U-Net)
 */
public record RunSettings(
        TrainingMode mode,
        List<String> targets,
        List<String> auxiliary,
        int fold,
        int epochs,
        int iterationsPerEpoch,
        int validationBatches,
        long seed,
        int baseFeatures,
        int maxFeatures,
        boolean diceOnTargetsOnly,
        boolean batchDice,
        boolean marginal,
        List<String> withoutAuxiliary,
        OptimizerConfig optimizer,
        int fisherEvery,
        Architecture architecture) {

    public RunSettings {
        targets = List.copyOf(targets);
        auxiliary = auxiliary == null
                ? List.of()
                : List.copyOf(auxiliary); // absent from a run.json written before the field existed
        withoutAuxiliary = List.copyOf(withoutAuxiliary);
        if (architecture == null) architecture = Architecture.UNET;
        if (targets.isEmpty()) throw new IllegalArgumentException("name at least one target class");
        if (fold < -1 || fold > 4) throw new IllegalArgumentException("fold must be 0..4 or all, not " + fold);
        if (epochs < 1 || iterationsPerEpoch < 1 || validationBatches < 1) {
            throw new IllegalArgumentException("epochs, iterations per epoch and validation batches must be >= 1");
        }
        if (baseFeatures < 1 || maxFeatures < baseFeatures)
            throw new IllegalArgumentException("features must satisfy 1 <= base <= max");
    }

    /** nnU-Net's trainer: 1000 epochs of 250 iterations, 50 validation batches, widths 32..320, SGD; the 3D U-Net. */
    public static RunSettings nnUNet(TrainingMode mode, List<String> targets, int fold) {
        return builder(mode, targets).fold(fold).build();
    }

    /**
     * Settings by name, starting from nnU-Net's trainer (fold 0, the 3D U-Net, the Fisher ratio every epoch in
     * BackSplit mode and never otherwise); change what differs, then build().
     */
    public static Builder builder(TrainingMode mode, List<String> targets) {
        return new Builder(mode, targets);
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder(mode, targets)
                .auxiliary(auxiliary)
                .fold(fold)
                .epochs(epochs)
                .iterationsPerEpoch(iterationsPerEpoch)
                .validationBatches(validationBatches)
                .seed(seed)
                .features(baseFeatures, maxFeatures)
                .diceOnTargetsOnly(diceOnTargetsOnly)
                .batchDice(batchDice)
                .marginal(marginal)
                .withoutAuxiliary(withoutAuxiliary)
                .optimizer(optimizer)
                .fisherEvery(fisherEvery)
                .architecture(architecture);
    }

    /** Builds RunSettings by field name; the record's checks run in build(). */
    public static final class Builder {
        private final TrainingMode mode;
        private final List<String> targets;
        private List<String> auxiliary = List.of();
        private int fold;
        private int epochs = 1000;
        private int iterationsPerEpoch = 250;
        private int validationBatches = 50;
        private long seed = 12345;
        private int baseFeatures = 32;
        private int maxFeatures = 320;
        private boolean diceOnTargetsOnly;
        private boolean batchDice;
        private boolean marginal = true;
        private List<String> withoutAuxiliary = List.of();
        private OptimizerConfig optimizer = OptimizerConfig.nnUNetSgd();
        private int fisherEvery;
        private Architecture architecture = Architecture.UNET;

        private Builder(TrainingMode mode, List<String> targets) {
            this.mode = mode;
            this.targets = targets;
            this.fisherEvery = mode == TrainingMode.BACKSPLIT ? 1 : 0;
        }

        public Builder auxiliary(List<String> v) {
            auxiliary = v;
            return this;
        }

        public Builder fold(int v) {
            fold = v;
            return this;
        }

        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        public Builder iterationsPerEpoch(int v) {
            iterationsPerEpoch = v;
            return this;
        }

        public Builder validationBatches(int v) {
            validationBatches = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** The first stage's width and the largest. */
        public Builder features(int base, int max) {
            baseFeatures = base;
            maxFeatures = max;
            return this;
        }

        public Builder diceOnTargetsOnly(boolean v) {
            diceOnTargetsOnly = v;
            return this;
        }

        public Builder batchDice(boolean v) {
            batchDice = v;
            return this;
        }

        public Builder marginal(boolean v) {
            marginal = v;
            return this;
        }

        public Builder withoutAuxiliary(List<String> v) {
            withoutAuxiliary = v;
            return this;
        }

        public Builder optimizer(OptimizerConfig v) {
            optimizer = v;
            return this;
        }

        public Builder fisherEvery(int v) {
            fisherEvery = v;
            return this;
        }

        public Builder architecture(Architecture v) {
            architecture = v;
            return this;
        }

        public RunSettings build() {
            return new RunSettings(
                    mode,
                    targets,
                    auxiliary,
                    fold,
                    epochs,
                    iterationsPerEpoch,
                    validationBatches,
                    seed,
                    baseFeatures,
                    maxFeatures,
                    diceOnTargetsOnly,
                    batchDice,
                    marginal,
                    withoutAuxiliary,
                    optimizer,
                    fisherEvery,
                    architecture);
        }
    }

    /** The mode and a chosen auxiliary subset: "backsplit", "binary", "backsplit-liver+spleen". */
    public String modeName() {
        String m = mode.toString().toLowerCase(java.util.Locale.ROOT);
        return auxiliary.isEmpty() ? m : m + "-" + String.join("+", auxiliary);
    }

    /**
     * The folder name of the configuration, as nnU-Net's Trainer__Plans__configuration: MODE__NETWORK__3d_fullres or
     * __2d.
     */
    public String configurationName() {
        return modeName()
                + switch (architecture) {
                    case UNET2D -> "__PlainConvUNet__2d";
                    case RESENC2D -> "__ResidualEncoderUNet__2d";
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
