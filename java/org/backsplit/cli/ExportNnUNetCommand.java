package org.backsplit.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.backsplit.backend.Backend;
import org.backsplit.backend.device.Devices;
import org.backsplit.model.NnUNetExport;
import org.backsplit.model.TrainedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Writes one of our trained models as an nnU-Net v2 results folder. */
@Command(
        name = "export-nnunet",
        mixinStandardHelpOptions = true,
        description = "Writes a trained model as an nnU-Net v2 results folder that nnUNetv2_predict and nnU-Net's "
                + "Python predictor load: plans.json, dataset.json (every class the network predicts as a label, a "
                + "BackSplit model's auxiliary classes included) and fold_X/checkpoint_final.pth per fold.")
final class ExportNnUNetCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            description = "our model folder (RESULTS/DATASET/CONFIGURATION, holding fold_X) or one fold folder")
    Path model;

    @Option(
            names = "--out",
            required = true,
            description =
                    "the nnU-Net model folder to write, e.g. nnUNet_results/Dataset501_X/nnUNetTrainer__nnUNetPlans__3d_fullres")
    Path out;

    @Option(
            names = {"-f", "--folds"},
            arity = "1..*",
            description = "the folds to export (default: every fold_X there)")
    List<String> folds = new ArrayList<>();

    @Option(
            names = "--dataset-name",
            description =
                    "nnU-Net's dataset name for plans.json, e.g. Dataset501_Liver (default: the folder above the model's configuration)")
    String datasetName;

    @Override
    public Integer call() throws Exception {
        Backend cpu = Devices.open("cpu", 1, System.err); // only reads and writes weights
        TrainedModel m = TrainedModel.open(model, folds, TrainedModel.FINAL, cpu);
        String name = datasetName != null ? datasetName : defaultDatasetName(m);
        NnUNetExport.write(m, name, out, cpu);
        System.err.println("wrote " + out + " (" + NnUNetExport.folderName(m).replace("nnUNetTrainer__", "")
                + ", folds " + m.foldNames() + ", labels " + m.outputNames() + ")");
        return 0;
    }

    /** RESULTS/DATASET/CONFIGURATION[/fold_X]: the DATASET part. */
    private static String defaultDatasetName(TrainedModel m) {
        Path p = m.folder().toAbsolutePath().normalize();
        if (p.getFileName().toString().startsWith("fold_")) p = p.getParent();
        Path dataset = p.getParent();
        return dataset != null ? dataset.getFileName().toString() : "Dataset000_BackSplit";
    }
}
