package org.backsplit.data.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.Splits;

/**
 * nnU-Net's plan_and_preprocess in one call: verify the raw dataset, fingerprint it, plan (optionally with a patch and
 * batch chosen by hand), write the plan files and the 5-fold splits, preprocess every case. The plan files are written
 * anew each time; cases already cached under the same plan are not redone.
 */
public final class Planning {
    private Planning() {}

    /** @param patch {x, y, z} or null for the planned one; batch or null likewise */
    public static Plan planAndPreprocess(NnUNetDataset data, Path preprocessed, int[] patch, Integer batch)
            throws IOException {
        data.verify();
        Fingerprint f = Fingerprint.of(data);
        Plan plan = Planner.plan(
                f, List.copyOf(data.json().channelNames().values()), data.json().numClasses());
        if (patch != null || batch != null) {
            plan = Planner.withPatch(
                    plan, patch != null ? patch : plan.patchSize(), batch != null ? batch : plan.batchSize());
        }
        Files.createDirectories(preprocessed);
        PlanFiles.write(preprocessed, f, plan);
        if (data.trainingIds().size() >= 5)
            Splits.loadOrCreate(preprocessed, data.trainingIds()); // fewer cases: only fold "all" can train
        Preprocessor.run(data, plan, preprocessed);
        return plan;
    }
}
