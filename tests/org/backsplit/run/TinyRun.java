package org.backsplit.run;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.backend.cpu.CpuBackend;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.TrainingMode;
import org.backsplit.data.plan.Planning;
import org.backsplit.data.synthetic.SyntheticAbdomen;

/**
 * A tiny BackSplit run of ours, what `plan` and `train` leave behind: a synthetic abdomen dataset (5 training cases, 1
 * test case) in DIR/NAME, planned with a 16³ patch, trained 1 epoch (or as many as asked) of 2 iterations at widths
 * 4..8 on the CPU.
 */
public final class TinyRun {
    private TinyRun() {}

    /** The raw dataset folder, the run's fold folder, and what continues it. */
    public record Made(Path raw, RunFolder folder, NnUNetDataset data, Path preprocessed, RunSettings settings) {}

    public static Made train(Path dir, String datasetName) throws Exception {
        return train(dir, datasetName, 1);
    }

    public static Made train(Path dir, String datasetName, int epochs) throws Exception {
        Path raw = dir.resolve(datasetName);
        SyntheticAbdomen.write(raw, 5, 1, 3);
        NnUNetDataset data = NnUNetDataset.open(raw);
        Planning.planAndPreprocess(data, dir.resolve("pre"), new int[] {16, 16, 16}, 2);
        RunSettings settings = RunSettings.builder(TrainingMode.BACKSPLIT, List.of("lesion"))
                .epochs(epochs)
                .iterationsPerEpoch(2)
                .validationBatches(1)
                .seed(1)
                .features(4, 8)
                .diceOnTargetsOnly(true)
                .fisherEvery(0)
                .build();
        RunFolder folder = RunFolder.of(dir.resolve("results"), datasetName, settings);
        new DatasetTraining(data, dir.resolve("pre"), folder, settings, new CpuBackend(2), 1, line -> {}).start(null);
        return new Made(raw, folder, data, dir.resolve("pre"), settings);
    }
}
