package org.backsplit.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.backsplit.data.BackSplitEntry;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.TrainingMode;
import org.backsplit.nn.Architecture;
import org.backsplit.run.DatasetTraining;
import org.backsplit.run.RunFolder;
import org.backsplit.run.RunSettings;
import org.backsplit.train.OptimizerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** nnU-Net's train: one fold of one configuration, in BackSplit, binary or virtual mode. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description =
                "Trains a network (--arch) on a planned dataset (run `plan` first). Results go to RESULTS/DATASET/MODE__NETWORK__3d_fullres/fold_K "
                        + "(MODE__PlainConvUNet__2d for the 2D U-Net): "
                        + "checkpoint_latest/best/final, training_log.txt, progress.json and progress.png (every epoch), run.json, plans.json, "
                        + "dataset.json, and validation/ (the fold's validation cases predicted and scored on the targets). "
                        + "`--continue` resumes a killed run from its last epoch and ends exactly as an uninterrupted run.")
final class TrainCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "the raw dataset folder")
    Path dataset;

    @Option(names = "--preprocessed", required = true, description = "the folder `plan` wrote")
    Path preprocessed;

    @Option(names = "--results", required = true, description = "the results root")
    Path results;

    @Option(names = "--fold", defaultValue = "0", description = "0..4 or all (default: ${DEFAULT-VALUE})")
    String fold;

    @Option(
            names = "--mode",
            defaultValue = "backsplit",
            description = "backsplit, binary or virtual (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(
            names = "--targets",
            split = ",",
            description = "the lesion classes (dataset.json names); every other label is auxiliary "
                    + "(default: dataset.json's backsplit.targets, as `compose` writes it)")
    List<String> targets;

    @Option(
            names = "--auxiliary",
            split = ",",
            description = "backsplit mode: the auxiliary classes to learn (default: every other label); "
                    + "labels left out become background")
    List<String> auxiliary = List.of();

    @Option(names = "--continue", description = "resume the run in the results folder from checkpoint_latest")
    boolean resume;

    @Option(names = "--epochs", defaultValue = "1000", description = "default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(
            names = "--iterations",
            defaultValue = "250",
            description = "training iterations per epoch (default: ${DEFAULT-VALUE})")
    int iterations;

    @Option(
            names = "--val-batches",
            defaultValue = "50",
            description = "validation batches per epoch for the pseudo-Dice (default: ${DEFAULT-VALUE})")
    int validationBatches;

    @Option(names = "--seed", defaultValue = "12345", description = "default: ${DEFAULT-VALUE}")
    long seed;

    @Option(
            names = "--features",
            split = ",",
            description =
                    "first-stage and largest width (default: 32,320; 32,512 for unet2d and resenc2d); for swinunetr the "
                            + "feature size, a multiple of 12 (default: 24, MONAI's)")
    int[] features;

    @Option(
            names = "--dice-targets-only",
            description = "soft Dice over the target classes only; auxiliary classes are learned through cross-entropy")
    boolean diceOnTargetsOnly;

    @Option(names = "--batch-dice", description = "Dice statistics summed over the batch")
    boolean batchDice;

    @Option(
            names = "--without-auxiliary",
            split = ",",
            description = "case ids whose auxiliary structures are not annotated, trained with "
                    + "the marginal loss (default: dataset.json's backsplit.cases_without_auxiliary)")
    List<String> withoutAuxiliary;

    @Option(
            names = "--arch",
            defaultValue = "unet",
            description =
                    "unet (nnU-Net's PlainConvUNet), resenc (its ResidualEncoderUNet, "
                            + "preset M blocks), segresnet (MONAI's SegResNet, trained with Adam as the paper does), unet2d (the 2D U-Net on slices, "
                            + "widths up to 512 unless --features says otherwise) or swinunetr (MONAI's SwinUNETR v1, trained with AdamW "
                            + "and cosine annealing as the paper does; patches rounded up to multiples of 32) (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(
            names = "--lr",
            description =
                    "initial learning rate (default: 0.01 with SGD; 1e-4 with Adam for segresnet; 8e-4 with AdamW for swinunetr)")
    Double lr;

    @Option(
            names = "--lr-schedule",
            description =
                    "poly (nnU-Net's) or cosine (annealing to 1e-6; the default for swinunetr); any network takes either")
    String lrSchedule;

    @Option(
            names = "--fisher-every",
            description = "Fisher ratio near the target every N epochs (default: 1 in backsplit mode, else never)")
    Integer fisherEvery;

    @Option(
            names = "--initial-weights",
            description =
                    "start from this checkpoint's weights (e.g. a binary model fine-tuned into BackSplit: its heads grow)")
    Path initialWeights;

    @Option(
            names = "--loader-threads",
            defaultValue = "2",
            description = "background threads making batches (default: ${DEFAULT-VALUE})")
    int loaderThreads;

    @Mixin
    DeviceOptions devices;

    @Override
    public Integer call() throws Exception {
        NnUNetDataset data = NnUNetDataset.open(dataset);
        RunSettings settings = resume ? null : settings(BackSplitEntry.read(dataset.resolve("dataset.json")));
        if (resume) {
            RunFolder probe = RunFolder.of(results, dataset.getFileName().toString(), settingsForFolder());
            settings = probe.readSettings();
        }
        RunFolder folder = RunFolder.of(results, dataset.getFileName().toString(), settings);
        DatasetTraining run = new DatasetTraining(
                data, preprocessed, folder, settings, devices.open(), loaderThreads, System.out::println);
        Path done = resume ? run.resume() : run.start(initialWeights);
        System.out.println("final checkpoint: " + done);
        return 0;
    }

    private int foldNumber() {
        if (fold.equals("all")) return -1;
        try {
            return Integer.parseInt(fold);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--fold must be 0..4 or all, not '" + fold + "'");
        }
    }

    /**
     * Only what names the folder (mode, auxiliary subset, architecture, fold); the rest comes from the run's run.json.
     */
    private RunSettings settingsForFolder() {
        return RunSettings.builder(TrainingMode.parse(mode), List.of("-"))
                .fold(foldNumber())
                .auxiliary(auxiliary)
                .fisherEvery(0)
                .architecture(Architecture.ofShortName(arch))
                .build();
    }

    private RunSettings settings(java.util.Optional<BackSplitEntry> entry) {
        List<String> targets = this.targets != null
                ? this.targets
                : entry.map(BackSplitEntry::targets).orElse(List.of());
        List<String> withoutAuxiliary = this.withoutAuxiliary != null
                ? this.withoutAuxiliary
                : entry.map(BackSplitEntry::casesWithoutAuxiliary).orElse(List.of());
        if (targets.isEmpty())
            throw new IllegalArgumentException(
                    "name the lesion classes with --targets (dataset.json has no backsplit.targets)");
        TrainingMode m = TrainingMode.parse(mode);
        Architecture a = Architecture.ofShortName(arch);
        int[] widths = features != null ? features : defaultWidths(a);
        if (a == Architecture.SWINUNETR && widths.length == 1) widths = new int[] {widths[0], widths[0] * 16};
        if (widths.length != 2) throw new IllegalArgumentException("--features takes two widths: first,largest");
        OptimizerConfig optimizer = OptimizerConfig.forArchitecture(a);
        if (lr != null) optimizer = optimizer.withInitialLr(lr);
        if (lrSchedule != null) optimizer = optimizer.withSchedule(lrSchedule, 1e-6);
        RunSettings.Builder b = RunSettings.builder(m, targets)
                .auxiliary(auxiliary)
                .fold(foldNumber())
                .epochs(epochs)
                .iterationsPerEpoch(iterations)
                .validationBatches(validationBatches)
                .seed(seed)
                .features(widths[0], widths[1])
                .diceOnTargetsOnly(diceOnTargetsOnly)
                .batchDice(batchDice)
                .withoutAuxiliary(withoutAuxiliary)
                .optimizer(optimizer)
                .architecture(a);
        if (fisherEvery != null) b.fisherEvery(fisherEvery);
        return b.build();
    }

    /** nnU-Net's widths, or SwinUNETR's feature size 24 (its widths reach 16 times that). */
    static int[] defaultWidths(Architecture a) {
        if (a == Architecture.SWINUNETR) return new int[] {24, 384};
        return new int[] {32, a.planar() ? 512 : 320};
    }
}
