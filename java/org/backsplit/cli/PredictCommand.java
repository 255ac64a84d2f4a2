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
import org.backsplit.model.TrainedModel;
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
                "Segments every case of a folder named as nnU-Net's imagesTs (CASE_0000.nii.gz ...) with a trained model: "
                        + "a model folder (--model: ours, or an nnU-Net v2 results folder TRAINER__PLANS__CONFIGURATION, with -f "
                        + "choosing folds as nnUNetv2_predict does), or checkpoints with their plan (--checkpoint, --plans, "
                        + "--dataset-json, --targets). Preprocessed as the model's plan says, predicted by sliding window (step 0.5, "
                        + "Gaussian weights, test-time mirroring), folds ensembled by averaging logits, mapped back to the image's grid. "
                        + "Writes OUT/CASE.nii.gz with dataset.json's label values: the target classes only unless --keep-auxiliary.")
final class PredictCommand implements Callable<Integer> {

    @Option(
            names = {"-m", "--model"},
            description = "a model folder: ours (holding fold_X/run.json) or nnU-Net v2's (plans.json, dataset.json, "
                    + "fold_X/checkpoint_final.pth); it knows its plan, labels and classes")
    Path model;

    @Option(
            names = {"-f", "--folds"},
            arity = "1..*",
            description =
                    "with --model: the folds to ensemble, e.g. -f 0 1 2 3 4 or -f all (default: every fold_X there)")
    List<String> folds = new ArrayList<>();

    @Option(
            names = {"-chk", "--checkpoint-name"},
            defaultValue = "checkpoint_final",
            description = "with --model: checkpoint_final or checkpoint_best (default: ${DEFAULT-VALUE})")
    String checkpointName;

    @Option(
            names = "--checkpoint",
            split = ",",
            description =
                    "without --model: a checkpoint folder or a bare .safetensors state_dict; several (comma-separated, e.g. the folds) are ensembled by averaging logits")
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
            description = "without --model: the training dataset's dataset.json (channels, labels, file ending)")
    Path datasetJson;

    @Option(
            names = "--plans",
            description = "without --model: the folder holding the plans.json the network was trained with")
    Path plans;

    @Option(
            names = "--targets",
            split = ",",
            description = "without --model: the lesion class names, as in dataset.json")
    List<String> targets;

    @Option(names = "--keep-auxiliary", description = "also write the auxiliary classes a BackSplit network predicts")
    boolean keepAuxiliary;

    @Option(names = "--no-mirroring", description = "skip test-time mirroring (up to 8 times faster)")
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
        Postprocessing post = postprocessing == null ? Postprocessing.none() : Postprocessing.read(postprocessing);
        CasePredictor predictor;
        DatasetJson json;
        if (model != null) {
            if (checkpoint != null || plans != null || datasetJson != null || targets != null) {
                throw new IllegalArgumentException("--model holds its checkpoints, plan, dataset.json and classes:"
                        + " leave out --checkpoint, --plans, --dataset-json and --targets");
            }
            TrainedModel m = TrainedModel.open(model, folds, checkpointName, devices.open());
            System.err.println("model " + model + ": " + (m.fromNnUNet() ? "nnU-Net v2" : "BackSplit") + ", folds "
                    + m.foldNames() + ", classes " + m.outputNames());
            json = m.dataset();
            predictor = m.predictor(step, !noMirroring, keepAuxiliary, post);
        } else {
            if (checkpoint == null || plans == null || datasetJson == null || targets == null) {
                throw new IllegalArgumentException(
                        "give --model MODEL_FOLDER, or --checkpoint with --plans," + " --dataset-json and --targets");
            }
            if (!folds.isEmpty()) throw new IllegalArgumentException("-f chooses folds of a --model folder");
            json = DatasetJson.read(datasetJson);
            predictor = fromCheckpoints(json, post);
        }
        List<NnUNetDataset.Case> cases = NnUNetDataset.imagesIn(input, json);
        if (cases.isEmpty())
            throw new IllegalArgumentException(input + ": no images named CASE_0000" + json.fileEnding());
        predictor.predictFolder(
                "predict", cases, output, json.fileEnding(), saveProbabilities, c -> null, CasePredictor.CaseDone.NONE);
        System.err.println("wrote " + cases.size() + " segmentations to " + output);
        return 0;
    }

    private CasePredictor fromCheckpoints(DatasetJson json, Postprocessing post) throws java.io.IOException {
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
        return new CasePredictor(
                ensemble, plan, tile, step, noMirroring ? 0 : SlidingWindow.ALL_AXES, toDatasetValue, post);
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
