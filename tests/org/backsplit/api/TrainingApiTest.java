package org.backsplit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.backsplit.data.TrainingMode;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.backsplit.run.EpochRecord;
import org.backsplit.run.RunSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training plans a raw dataset when it has no plan, trains, tells its listener of each epoch, and continues. */
class TrainingApiTest {

    @Test
    void plansTrainsReportsEpochsAndContinues(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("Dataset909_Api");
        SyntheticAbdomen.write(raw, 5, 0, 3);
        RunSettings settings = RunSettings.builder(TrainingMode.BINARY, List.of("lesion"))
                .epochs(2)
                .iterationsPerEpoch(2)
                .validationBatches(1)
                .features(4, 8)
                .fisherEvery(0)
                .build();
        List<String> lines = new ArrayList<>();
        List<EpochRecord> epochs = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override
            public void message(String line) {
                lines.add(line);
            }

            @Override
            public void epoch(EpochRecord e) {
                epochs.add(e);
            }
        };
        Path model = Training.builder(raw, dir.resolve("pre"), dir.resolve("results"), settings)
                .device("cpu")
                .threads(2)
                .listener(listener)
                .run();
        assertTrue(Files.isRegularFile(dir.resolve("pre/plans.json")), "planned when there was no plan");
        assertEquals(2, epochs.size());
        assertEquals(List.of(0, 1), epochs.stream().map(EpochRecord::epoch).toList());
        assertTrue(String.join("\n", lines).contains("planning and preprocessing"), String.join("\n", lines));
        assertTrue(Files.isDirectory(model.resolve("fold_0/checkpoint_final")));

        // again: the run is complete, nothing is trained
        epochs.clear();
        Training.builder(raw, dir.resolve("pre"), dir.resolve("results"), settings)
                .device("cpu")
                .threads(2)
                .listener(listener)
                .run();
        assertEquals(0, epochs.size());
        assertTrue(String.join("\n", lines).contains("the run is complete"));
    }
}
