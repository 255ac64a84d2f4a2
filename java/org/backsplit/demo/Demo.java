package org.backsplit.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.data.ClassMap;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.TrainingMode;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.Planning;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.EvaluationFiles;
import org.backsplit.eval.FolderEvaluation;
import org.backsplit.eval.PairedComparison;
import org.backsplit.fisher.FisherDiagnostic;
import org.backsplit.infer.CasePredictor;
import org.backsplit.infer.NetworkPredictor;
import org.backsplit.infer.Postprocessing;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.report.SliceOverlay;
import org.backsplit.run.DatasetTraining;
import org.backsplit.run.EpochRecord;
import org.backsplit.run.RunFolder;
import org.backsplit.run.RunSettings;
import org.backsplit.run.TrainingHistory;
import org.backsplit.train.Checkpoint;
import org.backsplit.train.OptimizerConfig;

/**
 * The demo: a synthetic abdomen dataset (lesions in the liver with look-alikes beside and inside it), a binary and a
 * BackSplit network (the U-Net unless another is chosen) trained with the same budget, both evaluated on held-out
 * cases, the paired comparison, the Fisher diagnostic of both, and an HTML report. Every stage keeps its outputs, so a
 * second run reuses what exists and an interrupted one continues.
 */
public final class Demo {
    static final int LESION = 1;
    static final double FISHER_MARGIN_MM = 5;
    static final int OVERLAYS = 4;

    /**
     * @param diceOnTargetsOnly the BackSplit run's soft Dice covers the lesion only (its auxiliary classes are learned
     *     through cross-entropy): with four auxiliary classes, a Dice averaged over all five would let the large easy
     *     organs dominate a short budget (the paper's §J)
     * @param architecture the network both models use
     * @param learningRate the initial learning rate of both, or null for the network's own (see {@link #optimizer})
     */
    public record Options(
            Path out,
            int trainingCases,
            int testCases,
            long seed,
            int epochs,
            int iterationsPerEpoch,
            int validationBatches,
            int[] patch,
            int batch,
            int[] features,
            boolean diceOnTargetsOnly,
            boolean mirroring,
            int loaderThreads,
            boolean anatomy,
            Architecture architecture,
            Double learningRate) {

        /** The embedded default: finishes in about ten minutes on two CPU cores. */
        public static Options defaults(Path out) {
            return new Builder(out)
                    .trainingCases(24)
                    .testCases(12)
                    .seed(2026)
                    .epochs(80)
                    .iterationsPerEpoch(50)
                    .validationBatches(10)
                    .patch(new int[] {32, 32, 24})
                    .batch(2)
                    .features(new int[] {8, 64})
                    .diceOnTargetsOnly(true)
                    .mirroring(false)
                    .loaderThreads(1)
                    .anatomy(false)
                    .architecture(Architecture.UNET)
                    .learningRate(null)
                    .build();
        }

        /** On the Colin27 brain: cases of 60 x 72 x 60 voxels at 3 mm, a cubic patch. */
        public static Options anatomy(Path out) {
            return defaults(out).toBuilder()
                    .patch(new int[] {32, 32, 32})
                    .anatomy(true)
                    .build();
        }

        /** These options, to change some of them by name. */
        public Builder toBuilder() {
            return new Builder(out)
                    .trainingCases(trainingCases)
                    .testCases(testCases)
                    .seed(seed)
                    .epochs(epochs)
                    .iterationsPerEpoch(iterationsPerEpoch)
                    .validationBatches(validationBatches)
                    .patch(patch)
                    .batch(batch)
                    .features(features)
                    .diceOnTargetsOnly(diceOnTargetsOnly)
                    .mirroring(mirroring)
                    .loaderThreads(loaderThreads)
                    .anatomy(anatomy)
                    .architecture(architecture)
                    .learningRate(learningRate);
        }

        /** Builds Options by field name, from a copy of existing ones ({@link #toBuilder()}). */
        public static final class Builder {
            private Path out;
            private int trainingCases;
            private int testCases;
            private long seed;
            private int epochs;
            private int iterationsPerEpoch;
            private int validationBatches;
            private int[] patch;
            private int batch;
            private int[] features;
            private boolean diceOnTargetsOnly;
            private boolean mirroring;
            private int loaderThreads;
            private boolean anatomy;
            private Architecture architecture;
            private Double learningRate;

            private Builder(Path out) {
                this.out = out;
            }

            public Builder trainingCases(int v) {
                trainingCases = v;
                return this;
            }

            public Builder testCases(int v) {
                testCases = v;
                return this;
            }

            public Builder seed(long v) {
                seed = v;
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

            public Builder patch(int[] v) {
                patch = v;
                return this;
            }

            public Builder batch(int v) {
                batch = v;
                return this;
            }

            public Builder features(int[] v) {
                features = v;
                return this;
            }

            public Builder diceOnTargetsOnly(boolean v) {
                diceOnTargetsOnly = v;
                return this;
            }

            public Builder mirroring(boolean v) {
                mirroring = v;
                return this;
            }

            public Builder loaderThreads(int v) {
                loaderThreads = v;
                return this;
            }

            public Builder anatomy(boolean v) {
                anatomy = v;
                return this;
            }

            public Builder architecture(Architecture v) {
                architecture = v;
                return this;
            }

            public Builder learningRate(Double v) {
                learningRate = v;
                return this;
            }

            public Options build() {
                return new Options(
                        out,
                        trainingCases,
                        testCases,
                        seed,
                        epochs,
                        iterationsPerEpoch,
                        validationBatches,
                        patch,
                        batch,
                        features,
                        diceOnTargetsOnly,
                        mirroring,
                        loaderThreads,
                        anatomy,
                        architecture,
                        learningRate);
            }
        }

        DemoData data() {
            return anatomy ? DemoData.BRAIN : DemoData.ABDOMEN;
        }

        /**
         * The folder name of this demo's report and results: the dataset's, suffixed with the network unless the 3D
         * U-Net.
         */
        String runName() {
            return data().datasetName + (architecture == Architecture.UNET ? "" : "-" + architecture.shortName());
        }
    }

    /** What one model did on the held-out cases. */
    public record ModelOutcome(
            String mode,
            Path run,
            Path predictions,
            List<CaseMetrics> rows,
            double fisherRatioAll,
            double fisherRatioNear,
            Map<String, Double> missingShareNear,
            double trainingSeconds) {}

    public record Outcome(
            Path report,
            List<ModelOutcome> models,
            List<PairedComparison.Result> comparisons,
            double seconds,
            String table) {}

    private Demo() {}

    public static Outcome run(Options o, Backend backend, PrintStream log) throws IOException {
        long started = System.nanoTime();
        Prepared p = prepare(o, log);
        List<ModelOutcome> models = new ArrayList<>();
        for (TrainingMode mode : List.of(TrainingMode.BINARY, TrainingMode.BACKSPLIT)) {
            models.add(trainAndEvaluate(o, p, settings(o, mode), backend, log));
        }
        List<PairedComparison.Result> comparisons = new ArrayList<>();
        for (String metric : PairedComparison.METRICS.keySet()) {
            comparisons.add(
                    PairedComparison.of(models.get(0).rows(), models.get(1).rows(), LESION, metric, 10000));
        }
        Path reportDir = Files.createDirectories(o.out().resolve("report").resolve(o.runName()));
        List<String> overlays = overlays(o.data(), p.raw(), p.test(), models, reportDir);
        for (ModelOutcome m :
                models) { // drawn anew from the run's history, so a reused run's chart follows the current drawing
            Path history = new RunFolder(m.run()).progressJson();
            org.backsplit.charts.ProgressChart.write(
                    reportDir.resolve("progress_" + m.mode() + ".png"),
                    TrainingHistory.fromJson(Files.readString(history), history).epochs());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String table = DemoReport.table(models, comparisons);
        Path report = DemoReport.write(reportDir, o, p.plan(), models, comparisons, overlays, seconds, backend.name());
        return new Outcome(report, models, comparisons, seconds, table);
    }

    /** The demo's dataset, generated if missing, planned and preprocessed (cached cases are reused). */
    public record Prepared(Path raw, NnUNetDataset data, Path preprocessed, Plan plan, List<NnUNetDataset.Case> test) {}

    public static Prepared prepare(Options o, PrintStream log) throws IOException {
        DemoData kind = o.data();
        Path raw = o.out().resolve("raw").resolve(kind.datasetName);
        if (!Files.exists(raw.resolve("dataset.json"))) {
            log.printf("generating %d training and %d held-out cases in %s%n", o.trainingCases(), o.testCases(), raw);
            kind.write(raw, o.out().resolve("cache"), o.trainingCases(), o.testCases(), o.seed());
        }
        NnUNetDataset data = NnUNetDataset.open(raw);
        Path preprocessed = o.out().resolve("preprocessed").resolve(kind.datasetName);
        Plan plan = Planning.planAndPreprocess(data, preprocessed, o.patch(), o.batch());
        log.printf(
                "planned: spacing %s mm, patch %s, batch %d%n",
                java.util.Arrays.toString(plan.targetSpacing()),
                java.util.Arrays.toString(plan.patchSize()),
                plan.batchSize());
        return new Prepared(
                raw, data, preprocessed, plan, NnUNetDataset.imagesIn(raw.resolve("imagesTs"), data.json()));
    }

    /**
     * Trains one model of the demo (or continues it, or reuses it when done) and evaluates it on the held-out cases.
     */
    public static ModelOutcome trainAndEvaluate(Options o, Prepared p, RunSettings s, Backend backend, PrintStream log)
            throws IOException {
        String name = s.modeName();
        RunFolder folder = RunFolder.of(o.out().resolve("results"), o.data().datasetName, s);
        new DatasetTraining(
                        p.data(),
                        p.preprocessed(),
                        folder,
                        s,
                        backend,
                        o.loaderThreads(),
                        line -> log.println("[" + name + "] " + line))
                .startOrContinue();
        return evaluate(o, p, folder, s, name, backend, log);
    }

    /** The network's optimizer (SGD; Adam for SegResNet), at the chosen learning rate if any. */
    static OptimizerConfig optimizer(Options o) {
        OptimizerConfig own = OptimizerConfig.forArchitecture(o.architecture());
        return o.learningRate() == null ? own : own.withInitialLr(o.learningRate());
    }

    static RunSettings settings(Options o, TrainingMode mode) {
        return settings(o, mode, List.of());
    }

    /** The demo's run settings; `auxiliary` chooses a subset of the auxiliary classes (empty: all). */
    public static RunSettings settings(Options o, TrainingMode mode, List<String> auxiliary) {
        boolean diceTargets = mode == TrainingMode.BACKSPLIT && o.diceOnTargetsOnly();
        return RunSettings.builder(mode, List.of("lesion"))
                .auxiliary(auxiliary)
                .epochs(o.epochs())
                .iterationsPerEpoch(o.iterationsPerEpoch())
                .validationBatches(o.validationBatches())
                .seed(o.seed())
                .features(o.features()[0], o.features()[1])
                .diceOnTargetsOnly(diceTargets)
                .optimizer(optimizer(o))
                .architecture(o.architecture())
                .build();
    }

    /**
     * Predicts the held-out cases with the run's final checkpoint, scores the lesion, and measures the Fisher terms.
     */
    private static ModelOutcome evaluate(
            Options o, Prepared p, RunFolder folder, RunSettings s, String name, Backend backend, PrintStream log)
            throws IOException {
        NnUNetDataset data = p.data();
        Plan plan = p.plan();
        List<NnUNetDataset.Case> test = p.test();
        SegmentationNetwork net = Checkpoint.loadNetwork(folder.finalCheckpoint(), backend);
        ClassMap classes = s.classes(data.json());
        int[] toDataset = classes.datasetValues(data.json().labels(), false);
        int[] tile = org.backsplit.run.NetworkConfiguration.tile(net, plan);
        CasePredictor predictor = new CasePredictor(
                new NetworkPredictor(net),
                plan,
                tile,
                SlidingWindow.DEFAULT_STEP,
                o.mirroring() ? SlidingWindow.ALL_AXES : 0,
                toDataset,
                Postprocessing.none());
        Path predictions = o.out().resolve("predictions").resolve(o.runName()).resolve(name);
        List<PreparedCase> prepared = new ArrayList<>();
        predictor.predictFolder(
                "predict " + name,
                test,
                predictions,
                data.json().fileEnding(),
                false,
                c -> labelOf(data, c),
                (c, out, pc) -> prepared.add(PreparedCase.of(
                        c.id(), pc.channels(), classes.remap(pc.seg(), true), pc.dims(), classes.targetClasses())));
        List<Path> refs = test.stream().map(c -> labelOf(data, c)).toList();
        List<CaseMetrics> rows = FolderEvaluation.scoreFiles(
                        List.of(predictions), refs, List.of(toDataset[LESION]), CaseMetrics.DEFAULT_TOLERANCE_MM)
                .get(0);
        EvaluationFiles.write(
                o.out().resolve("evaluation").resolve(o.runName()).resolve(name),
                rows,
                Map.of("model", name, "run", folder.root().toString()));
        FisherDiagnostic.Result f =
                FisherDiagnostic.measure(net, prepared, tile, LESION, FISHER_MARGIN_MM, plan.targetSpacing());
        Map<String, Double> shares = new LinkedHashMap<>();
        double[] fractions = f.nearTarget().shareFractions();
        for (int k : f.nearTarget().ranking(LESION))
            shares.put(classes.classNames().get(k), fractions[k]);
        log.printf(
                "[%s] held-out: mean lesion Dice %.4f over %d cases; Fisher ratio near the lesions %.3f%n",
                name,
                rows.stream()
                        .mapToDouble(CaseMetrics::dice)
                        .filter(Double::isFinite)
                        .average()
                        .orElse(Double.NaN),
                rows.size(),
                f.nearTarget().ratio());
        double trained =
                TrainingHistory.fromJson(Files.readString(folder.progressJson()), folder.progressJson())
                        .epochs()
                        .stream()
                        .mapToDouble(EpochRecord::seconds)
                        .sum();
        return new ModelOutcome(
                name,
                folder.root(),
                predictions,
                rows,
                f.all().ratio(),
                f.nearTarget().ratio(),
                shares,
                trained);
    }

    static Path labelOf(NnUNetDataset data, NnUNetDataset.Case c) {
        return data.root().resolve("labelsTs").resolve(c.id() + data.json().fileEnding());
    }

    /**
     * The axial slice through the largest lesion of the first held-out cases that have one: image, reference, both
     * models.
     */
    private static List<String> overlays(
            DemoData kind, Path raw, List<NnUNetDataset.Case> test, List<ModelOutcome> models, Path reportDir)
            throws IOException {
        List<String> files = new ArrayList<>();
        for (NnUNetDataset.Case c : test) {
            if (files.size() == OVERLAYS) break;
            NiftiImage image = Nifti.read(c.images().get(0));
            float[] reference = Nifti.read(raw.resolve("labelsTs").resolve(c.id() + ".nii.gz"))
                    .data();
            boolean any = false;
            for (float v : reference) any |= v == LESION;
            if (!any) continue;
            List<float[]> masks = new ArrayList<>(List.of(reference));
            List<String> titles = new ArrayList<>(List.of(c.id() + " (" + kind.modality + ")", "reference"));
            for (ModelOutcome m : models) {
                masks.add(
                        Nifti.read(m.predictions().resolve(c.id() + ".nii.gz")).data());
                titles.add(m.mode());
            }
            int z = SliceOverlay.busiestSlice(reference, image.dims(), LESION);
            String file = "overlay_" + c.id() + ".png";
            SliceOverlay.write(
                    reportDir.resolve(file),
                    image.data(),
                    image.dims(),
                    z,
                    kind.windowLow,
                    kind.windowHigh,
                    masks,
                    LESION,
                    titles);
            files.add(file);
        }
        return files;
    }
}
