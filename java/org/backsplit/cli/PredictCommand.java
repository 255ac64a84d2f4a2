package org.backsplit.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.backsplit.data.ClassMap;
import org.backsplit.data.DatasetJson;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.infer.CasePredictor;
import org.backsplit.infer.EnsemblePredictor;
import org.backsplit.infer.NetworkPredictor;
import org.backsplit.infer.Postprocessing;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.infer.TilePredictor;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.run.RunFolder;
import org.backsplit.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Segments images with a trained network: preprocessing, sliding window, back to each image's own grid. */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description =
                "Segments every case of a folder named as nnU-Net's imagesTs (CASE_0000.nii.gz ...): preprocessed with the "
                        + "plan, predicted by sliding window (step 0.5, Gaussian weights, 8-way mirroring), mapped back to the image's grid. "
                        + "Writes OUT/CASE.nii.gz with dataset.json's label values: the target classes only unless --keep-auxiliary.")
final class PredictCommand implements Callable<Integer> {

    @Option(
            names = "--checkpoint",
            required = true,
            split = ",",
            description =
                    "a checkpoint folder or a bare .safetensors state_dict; several (comma-separated, e.g. the folds) are ensembled by averaging logits")
    List<Path> checkpoint;

    @Option(
            names = "--input",
            required = true,
            description = "folder of images CASE_XXXX<file ending>, one per channel")
    Path input;

    @Option(names = "--output", required = true, description = "folder for the segmentations")
    Path output;

    @Option(
            names = "--dataset-json",
            required = true,
            description = "the training dataset's dataset.json (channels, labels, file ending)")
    Path datasetJson;

    @Option(
            names = "--plans",
            required = true,
            description = "the folder holding the plans.json the network was trained with")
    Path plans;

    @Option(
            names = "--targets",
            required = true,
            split = ",",
            description = "the lesion class names, as in dataset.json")
    List<String> targets;

    @Option(names = "--keep-auxiliary", description = "also write the auxiliary classes a BackSplit network predicts")
    boolean keepAuxiliary;

    @Option(names = "--no-mirroring", description = "skip test-time mirroring (8 times faster)")
    boolean noMirroring;

    @Option(
            names = "--postprocessing",
            description = "a postprocessing.json (a training run writes one, chosen on its validation cases): "
                    + "keep only the largest component of the labels it lists")
    Path postprocessing;

    @Option(
            names = "--save-probabilities",
            description = "also write OUT/CASE.npy: the softmax of every class the network predicts, "
                    + "float32 [classes, z, y, x] in the image's grid")
    boolean saveProbabilities;

    @Option(
            names = "--step",
            defaultValue = "0.5",
            description = "tile step as a fraction of the tile (default: ${DEFAULT-VALUE})")
    double step;

    @Mixin
    DeviceOptions devices;

    @Override
    public Integer call() throws Exception {
        DatasetJson json = DatasetJson.read(datasetJson);
        Plan plan = PlanFiles.readPlan(plans);
        org.backsplit.backend.Backend backend = devices.open();
        List<TilePredictor> members = new ArrayList<>();
        int[] tile = null;
        for (Path ckpt : checkpoint) {
            SegmentationNetwork net = Checkpoint.loadNetwork(ckpt, backend);
            int[] own = org.backsplit.run.NetworkConfiguration.tile(net, plan);
            if (tile != null && !java.util.Arrays.equals(tile, own)) {
                throw new IllegalArgumentException(ckpt + ": its network takes other tile sizes than "
                        + checkpoint.get(0) + "'s; ensemble networks of one plan");
            }
            tile = own;
            members.add(new NetworkPredictor(net));
        }
        TilePredictor ensemble = new EnsemblePredictor(members);
        ClassMap classes = classesFor(json, ensemble.classes());
        if (classes.numClasses() != ensemble.classes()) {
            throw new IllegalArgumentException(checkpoint.get(0) + ": its run trained " + classes.numClasses()
                    + " classes, the network has " + ensemble.classes());
        }
        int[] toDatasetValue = classes.datasetValues(json.labels(), keepAuxiliary);
        List<NnUNetDataset.Case> cases = NnUNetDataset.imagesIn(input, json);
        if (cases.isEmpty())
            throw new IllegalArgumentException(input + ": no images named CASE_0000" + json.fileEnding());
        CasePredictor predictor = new CasePredictor(
                ensemble,
                plan,
                tile,
                step,
                noMirroring ? 0 : SlidingWindow.ALL_AXES,
                toDatasetValue,
                postprocessing == null ? Postprocessing.none() : Postprocessing.read(postprocessing));
        predictor.predictFolder(
                "predict", cases, output, json.fileEnding(), saveProbabilities, c -> null, CasePredictor.CaseDone.NONE);
        System.err.println("wrote " + cases.size() + " segmentations to " + output);
        return 0;
    }

    /** The run's own class layout when the checkpoint sits in a run folder; else told by the number of outputs. */
    private ClassMap classesFor(DatasetJson json, int outputs) throws java.io.IOException {
        var fromRun = RunFolder.classesOf(checkpoint.get(0), json);
        if (fromRun.isPresent()) return fromRun.get();
        return ClassMap.forOutputs(json, targets, outputs)
                .orElseThrow(() -> new IllegalArgumentException(checkpoint + ": the network has " + outputs
                        + " outputs, which fits neither the BackSplit nor the binary classes of " + datasetJson
                        + " with targets " + targets));
    }
}
