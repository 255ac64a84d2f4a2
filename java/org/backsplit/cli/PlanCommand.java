package org.backsplit.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.Planning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** nnU-Net's plan_and_preprocess: verify, fingerprint, plan, preprocess. */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description =
                "Checks an nnU-Net raw dataset (files, geometry, label values, finite intensities), extracts its fingerprint, "
                        + "plans the 3d_fullres configuration as nnU-Net does and preprocesses every training case into PREPROCESSED "
                        + "(dataset_fingerprint.json, plans.json, splits_final.json, one file per case). Cases already preprocessed with the same plan are kept.")
final class PlanCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "the raw dataset folder (dataset.json, imagesTr, labelsTr)")
    Path dataset;

    @Option(names = "--preprocessed", required = true, description = "folder for the plan and the preprocessed cases")
    Path preprocessed;

    @Option(names = "--patch", split = ",", description = "override the planned patch x,y,z (the topology follows it)")
    int[] patch;

    @Option(names = "--batch", description = "override the planned batch size")
    Integer batch;

    @Override
    public Integer call() throws Exception {
        NnUNetDataset data = NnUNetDataset.open(dataset);
        Plan plan = Planning.planAndPreprocess(data, preprocessed, patch, batch);
        System.out.printf(
                "planned %s: spacing %s mm, patch %s, batch %d, %d stages; %d cases preprocessed in %s%n",
                dataset.getFileName(),
                java.util.Arrays.toString(plan.targetSpacing()),
                java.util.Arrays.toString(plan.patchSize()),
                plan.batchSize(),
                plan.strides().length,
                data.training().size(),
                preprocessed);
        return 0;
    }
}
