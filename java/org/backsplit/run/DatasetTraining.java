package org.backsplit.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.backsplit.backend.Backend;
import org.backsplit.backend.LossSpec;
import org.backsplit.data.ClassMap;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.Splits;
import org.backsplit.data.patch.Augmenter;
import org.backsplit.data.patch.PatchLoader;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.data.plan.Preprocessor;
import org.backsplit.eval.CaseMetrics;
import org.backsplit.eval.EvaluationFiles;
import org.backsplit.eval.FolderEvaluation;
import org.backsplit.fisher.FisherDiagnostic;
import org.backsplit.infer.CasePredictor;
import org.backsplit.infer.NetworkPredictor;
import org.backsplit.infer.Postprocessing;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.train.Checkpoint;
import org.backsplit.train.PatchBatchSource;
import org.backsplit.train.StepResult;
import org.backsplit.train.Trainer;
import org.backsplit.train.TrainingConfig;
import org.backsplit.util.Progress;

/**
 * A training run on a preprocessed nnU-Net dataset, as nnU-Net's trainer runs one: the fold's training cases in patches
 * with augmentation; after each epoch the validation loss and target pseudo-Dice, one log line, the progress chart,
 * checkpoint_latest (and checkpoint_best when the moving average of the target pseudo-Dice improves; auxiliary classes
 * never count); at the end checkpoint_final, the validation cases predicted by sliding window in their original
 * geometry, and their evaluation on the target classes. A run killed at any moment continues with {@link #resume} from
 * its last completed epoch and ends with exactly the weights of an uninterrupted run.
 */
public final class DatasetTraining {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double FISHER_MARGIN_MM = 5;
    private static final int FISHER_CASES = 2;

    private final NnUNetDataset data;
    private final Path preprocessed;
    private final RunFolder folder;
    private final RunSettings settings;
    private final Backend backend;
    private final int loaderThreads;
    private final Consumer<String> log;

    /**
     * @param preprocessed the folder `plan` wrote (plans.json and one cached file per case)
     * @param log receives each log line (it is also appended to the run's training_log.txt)
     */
    private Consumer<EpochRecord> epochListener = record -> {};

    public DatasetTraining(
            NnUNetDataset data,
            Path preprocessed,
            RunFolder folder,
            RunSettings settings,
            Backend backend,
            int loaderThreads,
            Consumer<String> log) {
        this.data = data;
        this.preprocessed = preprocessed;
        this.folder = folder;
        this.settings = settings;
        this.backend = backend;
        this.loaderThreads = loaderThreads;
        this.log = log;
    }

    /** The settings of the run in `folder`, from its run.json. */
    /**
     * Starts a new run (refusing to overwrite one), optionally from another network's weights, and trains it to the
     * end.
     */
    /** Also tells `listener` of each epoch as it ends (after its checkpoints are saved). */
    public DatasetTraining onEpoch(Consumer<EpochRecord> listener) {
        this.epochListener = listener;
        return this;
    }

    public Path start(Path initialWeights) throws IOException {
        try (RunLock lock = lock()) {
            return startLocked(initialWeights);
        }
    }

    private Path startLocked(Path initialWeights) throws IOException {
        if (Files.exists(folder.latest()) || Files.exists(folder.finalCheckpoint())) {
            throw new IllegalStateException(
                    folder.root() + ": holds a run already; --continue it, or choose another results folder");
        }
        Setup s = setup(); // checks the inputs before anything is written
        Files.createDirectories(folder.root());
        folder.writeSettings(settings);
        Files.copy(
                preprocessed.resolve(PlanFiles.PLANS),
                folder.plans(),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(
                data.root().resolve("dataset.json"),
                folder.datasetJson(),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(folder.log());
        SegmentationNetwork net = settings.architecture()
                .build(
                        backend,
                        NetworkConfiguration.networkPlan(
                                settings.architecture(),
                                s.plan,
                                s.channels,
                                s.classes.numClasses(),
                                settings.baseFeatures(),
                                settings.maxFeatures()));
        SegmentationNetwork from = initialWeights == null ? null : Checkpoint.loadNetwork(initialWeights, backend);
        say(String.format(
                "training %s, %s fold %s: %d training and %d validation cases, classes %s, network %s %s (%,d parameters), patch %s, batch %d",
                data.root().getFileName(),
                settings.mode().toString().toLowerCase(),
                settings.fold() < 0 ? "all" : settings.fold(),
                s.train.size(),
                s.val.size(),
                s.classes.classNames(),
                net.architecture().checkpointName(),
                java.util.Arrays.toString(net.plan().features()),
                net.parameterCount(),
                java.util.Arrays.toString(s.plan.patchSize()),
                s.plan.batchSize()));
        String note = NetworkConfiguration.patchNote(settings.architecture(), PlanFiles.readPlan(preprocessed));
        if (note != null) say(note);
        return train(
                s,
                batches -> {
                    Trainer t = Trainer.start(net, s.config, batches);
                    if (from != null)
                        say("initial weights from " + initialWeights + ": " + WeightTransfer.copy(from, net));
                    return t;
                },
                new TrainingHistory());
    }

    /**
     * Continues the run in the folder if it has a completed epoch, else starts it (a demo re-run picks up where it
     * stopped).
     */
    public Path startOrContinue() throws IOException {
        boolean begun = Files.exists(folder.latest())
                || Files.exists(folder.latest().resolveSibling("checkpoint_latest.old"))
                || Files.exists(folder.finalCheckpoint());
        if (!begun) return start(null);
        RunSettings recorded = folder.readSettings();
        if (!recorded.equals(settings)) {
            throw new IllegalStateException(folder.settings()
                    + ": the run there has other settings than asked now; remove " + folder.root() + " to start again");
        }
        return resume();
    }

    /** Continues the run in the folder from checkpoint_latest (or finishes it if only the validation was left). */
    public Path resume() throws IOException {
        try (RunLock lock = lock()) {
            return resumeLocked();
        }
    }

    /** The run folder's lock: one writer at a time; a lock left by a killed run is taken over. */
    private RunLock lock() throws IOException {
        RunLock lock = RunLock.acquire(folder.root());
        if (lock.tookOverFrom() != null)
            say(folder.root() + ": took over the lock left by " + lock.tookOverFrom() + " (it no longer holds it)");
        return lock;
    }

    private Path resumeLocked() throws IOException {
        Setup s = setup();
        if (Files.exists(folder.finalCheckpoint())
                && Files.exists(folder.validation().resolve(EvaluationFiles.SUMMARY))) {
            say(folder.root() + ": the run is complete");
            return folder.finalCheckpoint();
        }
        Path from = checkpointToContinueFrom();
        TrainingHistory history = TrainingHistory.fromJson(
                Checkpoint.readExtra(from, RunFolder.HISTORY).orElse("[]"), from);
        writeProgress(history);
        return train(
                s,
                batches -> {
                    Trainer t = Trainer.resume(from, backend, batches);
                    say("continuing " + folder.root() + " at epoch " + (t.epoch() + 1) + " of " + settings.epochs());
                    return t;
                },
                history);
    }

    /**
     * checkpoint_latest, or when its files fail their checksums, checkpoint_best (an earlier epoch: the epochs after it
     * are trained again); an error when neither is whole.
     */
    private Path checkpointToContinueFrom() throws IOException {
        FormatException damage = null;
        for (Path c : List.of(folder.latest(), folder.best())) {
            if (!Files.exists(c) && !Files.exists(c.resolveSibling(c.getFileName() + ".old"))) continue;
            try {
                Checkpoint.verify(c);
                if (damage != null) say("continuing from " + c.getFileName() + " instead (an earlier epoch)");
                return c;
            } catch (FormatException e) {
                say("cannot continue from " + c.getFileName() + ": " + e.getMessage());
                if (damage == null) damage = e;
            }
        }
        if (damage != null) throw damage;
        throw new FormatException(
                folder.latest(), "is missing: the run has no completed epoch to continue from; start it again");
    }

    /** Makes the trainer once its batch source exists. */
    private interface TrainerFactory {
        Trainer make(org.backsplit.train.BatchSource batches) throws IOException;
    }

    private record Setup(
            Plan plan,
            ClassMap classes,
            List<PreparedCase> train,
            List<PreparedCase> val,
            List<String> valIds,
            TrainingConfig config,
            int channels) {}

    private Setup setup() throws IOException {
        if (!Files.isRegularFile(preprocessed.resolve(PlanFiles.PLANS))) {
            throw new FormatException(
                    preprocessed.resolve(PlanFiles.PLANS), "is missing: run `backsplit plan` on the dataset first");
        }
        Plan datasetPlan = PlanFiles.readPlan(preprocessed);
        Plan plan = NetworkConfiguration.dataPlan(settings.architecture(), datasetPlan);
        ClassMap classes = settings.classes(data.json());
        List<String> ids = data.trainingIds();
        List<String> trainIds, valIds;
        if (settings.fold() < 0) {
            trainIds = ids;
            valIds = ids;
        } else {
            Splits.Fold f = Splits.loadOrCreate(preprocessed, ids).folds().get(settings.fold());
            trainIds = f.train();
            valIds = f.val();
        }
        Set<String> partial = Set.copyOf(settings.withoutAuxiliary());
        List<PreparedCase> train = Preprocessor.load(preprocessed, trainIds, classes, partial, classes.targetClasses());
        List<PreparedCase> val = Preprocessor.load(preprocessed, valIds, classes, partial, classes.targetClasses());
        LossSpec loss = classes.lossSpec(settings.batchDice(), settings.diceOnTargetsOnly());
        TrainingConfig config = new TrainingConfig(
                settings.epochs(), settings.iterationsPerEpoch(), settings.optimizer(), 12, loss, settings.seed());
        return new Setup(
                plan,
                classes,
                train,
                val,
                valIds,
                config,
                data.json().channelNames().size());
    }

    private Path train(Setup s, TrainerFactory factory, TrainingHistory history) throws IOException {
        int[] patch = s.plan.patchSize();
        int targetClass = s.classes.targetClasses()[0];
        try (PatchLoader loader = new PatchLoader(
                        s.train, patch, s.plan.batchSize(), true, Augmenter.nnUNet(), settings.seed(), loaderThreads);
                EpochValidation validation = new EpochValidation(
                        s.val,
                        patch,
                        s.plan.batchSize(),
                        s.config.loss(),
                        settings.validationBatches(),
                        settings.seed() + 1)) {
            Trainer t = factory.make(new PatchBatchSource(loader));
            SegmentationNetwork net = t.network();
            while (!t.finished()) {
                long started = System.nanoTime();
                int epoch = t.epoch();
                double lr = t.learningRate();
                double sum = 0;
                int steps = 0;
                try (Progress bar = Progress.bar(
                        String.format("epoch %d/%d", epoch + 1, settings.epochs()), settings.iterationsPerEpoch())) {
                    bar.stepTo(t.iteration());
                    while (t.epoch() == epoch) {
                        StepResult r = t.step();
                        sum += r.loss();
                        steps++;
                        bar.step();
                        bar.extra(String.format("loss %.4f", r.loss()));
                    }
                }
                EpochValidation.Result v = validation.measure(net);
                Map<String, Double> pseudo = new LinkedHashMap<>();
                double mean = 0;
                for (int c : s.classes.targetClasses()) {
                    double d = Double.isNaN(v.dicePerClass()[c]) ? 0 : v.dicePerClass()[c];
                    pseudo.put(s.classes.classNames().get(c), d);
                    mean += d / s.classes.targetClasses().length;
                }
                Double fisher = null;
                if (settings.fisherEvery() > 0
                        && (epoch + 1) % settings.fisherEvery() == 0
                        && s.classes.numClasses() > 2) {
                    List<PreparedCase> few = s.val.subList(0, Math.min(FISHER_CASES, s.val.size()));
                    double ratio = FisherDiagnostic.measure(
                                    net,
                                    few,
                                    net.plan().roundUpInputSize(patch),
                                    targetClass,
                                    FISHER_MARGIN_MM,
                                    s.plan.targetSpacing())
                            .nearTarget()
                            .ratio();
                    fisher = Double.isFinite(ratio) ? ratio : null;
                }
                EpochRecord record = new EpochRecord(
                        epoch,
                        steps == 0 ? Double.NaN : sum / steps,
                        v.loss(),
                        pseudo,
                        mean,
                        history.nextEma(mean),
                        lr,
                        (System.nanoTime() - started) / 1e9,
                        fisher);
                boolean best = history.add(record);
                Map<String, String> extras = Map.of(RunFolder.HISTORY, history.toJson());
                if (best)
                    t.save(
                            folder.best(),
                            extras); // before latest: a kill between the two repeats this epoch, which saves best again
                t.save(folder.latest(), extras);
                appendLog(record.logLine(settings.epochs()) + (best ? "  (new best)" : ""));
                writeProgress(history);
                epochListener.accept(record);
            }
            t.save(folder.finalCheckpoint(), Map.of(RunFolder.HISTORY, history.toJson()));
            validate(s, net);
        }
        return folder.finalCheckpoint();
    }

    /** The validation cases predicted from their raw images (original geometry) and scored on the target classes. */
    private void validate(Setup s, SegmentationNetwork net) throws IOException {
        int[] toDataset = s.classes.datasetValues(data.json().labels(), false);
        List<Integer> labels = new ArrayList<>();
        for (int c : s.classes.targetClasses()) labels.add(toDataset[c]);
        CasePredictor predictor = new CasePredictor(
                new NetworkPredictor(net),
                s.plan,
                net.plan().roundUpInputSize(s.plan.patchSize()),
                SlidingWindow.DEFAULT_STEP,
                SlidingWindow.ALL_AXES,
                toDataset,
                Postprocessing.none());
        Path out = folder.validation();
        List<NnUNetDataset.Case> cases =
                data.training().stream().filter(c -> s.valIds.contains(c.id())).toList();
        List<Path> refs = cases.stream().map(NnUNetDataset.Case::label).toList();
        List<Path> predictions = predictor.predictFolder(
                "validation", cases, out, data.json().fileEnding(), false, c -> null, CasePredictor.CaseDone.NONE);
        PostprocessingChoice.Result pp = PostprocessingChoice.decide(predictions, refs, labels);
        pp.postprocessing().write(folder.root().resolve(Postprocessing.FILE));
        for (Map.Entry<Integer, double[]> e : pp.meanDiceBeforeAfter().entrySet()) {
            double[] m = e.getValue();
            say(String.format(
                    "postprocessing, label %d: mean validation Dice %.4f as predicted, %.4f keeping the largest component only: %s",
                    e.getKey(), m[0], m[1], m[1] > m[0] ? "adopted" : "not adopted"));
        }
        List<CaseMetrics> rows = FolderEvaluation.scoreFiles(
                        List.of(out), refs, labels, CaseMetrics.DEFAULT_TOLERANCE_MM)
                .get(0);
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("run", folder.root().toString());
        context.put("checkpoint", "checkpoint_final");
        context.put("mode", settings.mode().toString().toLowerCase());
        context.put("targets", settings.targets());
        EvaluationFiles.write(out, rows, context);
        double dice = rows.stream()
                .mapToDouble(CaseMetrics::dice)
                .filter(Double::isFinite)
                .average()
                .orElse(Double.NaN);
        say(String.format(
                "validation (%d cases, target classes): mean Dice %.4f; %s",
                s.valIds.size(), dice, out.resolve(EvaluationFiles.SUMMARY)));
    }

    private void writeProgress(TrainingHistory history) throws IOException {
        AtomicFiles.writeString(folder.progressJson(), history.toJson());
        EpochCharts.write(folder.chart(), history.epochs());
    }

    private void appendLog(String line) throws IOException {
        log.accept(line);
        Files.writeString(
                folder.log(),
                line + "\n",
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private void say(String line) throws IOException {
        appendLog(line);
    }
}
