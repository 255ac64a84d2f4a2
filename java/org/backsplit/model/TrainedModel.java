package org.backsplit.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.backsplit.backend.Backend;
import org.backsplit.data.ClassMap;
import org.backsplit.data.DatasetJson;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.infer.AxisOrder;
import org.backsplit.infer.CasePredictor;
import org.backsplit.infer.EnsemblePredictor;
import org.backsplit.infer.NetworkPredictor;
import org.backsplit.infer.Postprocessing;
import org.backsplit.infer.SlidingWindow;
import org.backsplit.infer.TilePredictor;
import org.backsplit.io.FormatException;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.StateDict;
import org.backsplit.run.NetworkConfiguration;
import org.backsplit.run.RunFolder;
import org.backsplit.train.Checkpoint;

/**
 * A trained model ready to predict: the networks of the chosen folds, the plan their data is prepared with, the
 * dataset's labels, the tile and the mirroring axes. Opened from a model folder of either kind:
 *
 * <ul>
 *   <li>an nnU-Net v2 results folder (TRAINER__PLANS__CONFIGURATION: plans.json, dataset.json,
 *       fold_X/checkpoint_final.pth);
 *   <li>one of ours (RESULTS/DATASET/CONFIGURATION with fold_X/run.json and fold_X/checkpoint_final), or a single fold
 *       folder of ours.
 * </ul>
 *
 * @param foldNames the folds' folder names (fold_0, fold_all, ...), as {@link #folds}
 * @param classes the run's class layout (ours), or null for an nnU-Net model (its outputs are its label values)
 * @param axisOrder the order the networks see an image's axes in (nnU-Net's transpose_forward; ours: as they are)
 * @param mirrorAxes the axes test-time mirroring may flip, as {@link SlidingWindow}'s bits (x 1, y 2, z 4)
 */
public record TrainedModel(
        Path folder,
        boolean fromNnUNet,
        DatasetJson dataset,
        Plan plan,
        List<String> foldNames,
        List<SegmentationNetwork> folds,
        int[] tile,
        int mirrorAxes,
        AxisOrder axisOrder,
        ClassMap classes) {

    /** nnU-Net's checkpoint name without extension, also ours. */
    public static final String FINAL = "checkpoint_final";

    /**
     * Opens the model in `folder` with the folds named (e.g. "0", "1", "all"; empty: every fold_X present) and the
     * checkpoint named (checkpoint_final or checkpoint_best; nnU-Net's files end in .pth).
     */
    public static TrainedModel open(Path folder, List<String> folds, String checkpoint, Backend backend)
            throws IOException {
        if (!Files.isDirectory(folder)) throw new FormatException(folder, "is not a model folder");
        if (Files.isRegularFile(folder.resolve("run.json")))
            return ours(folder, List.of(folder), checkpoint, backend); // one fold of ours
        List<Path> foldDirs = foldDirs(folder, folds);
        boolean nnunet = Files.isRegularFile(folder.resolve(PlanFiles.PLANS))
                && Files.isRegularFile(folder.resolve("dataset.json"))
                && Files.isRegularFile(foldDirs.get(0).resolve(checkpoint + ".pth"));
        if (nnunet) return nnunet(folder, foldDirs, checkpoint, backend);
        if (Files.isRegularFile(foldDirs.get(0).resolve("run.json")))
            return ours(folder, foldDirs, checkpoint, backend);
        throw new FormatException(
                folder,
                "is neither an nnU-Net model folder (plans.json, dataset.json, fold_X/" + checkpoint
                        + ".pth) nor one of ours (fold_X/run.json)");
    }

    /** A predictor for one case at a time: tile step, mirroring on or off, the labels to write. */
    public CasePredictor predictor(double step, boolean mirroring, boolean keepAuxiliary, Postprocessing post) {
        List<TilePredictor> members = new ArrayList<>();
        for (SegmentationNetwork n : folds) members.add(new NetworkPredictor(n));
        return new CasePredictor(
                new EnsemblePredictor(members),
                plan,
                tile,
                step,
                mirroring ? mirrorAxes : 0,
                labelValues(keepAuxiliary),
                post,
                axisOrder);
    }

    /** The name of each network output, in output order (ours: the run's classes; nnU-Net's: its labels by value). */
    public List<String> outputNames() {
        if (classes != null) return classes.classNames();
        String[] names = new String[dataset.numClasses()];
        dataset.labels().forEach((name, value) -> names[value] = name);
        return List.of(names);
    }

    /** The label value written for each network output. */
    public int[] labelValues(boolean keepAuxiliary) {
        if (classes != null) return classes.datasetValues(dataset.labels(), keepAuxiliary);
        int[] v = new int[dataset.numClasses()];
        for (int i = 0; i < v.length; i++) v[i] = i; // nnU-Net's labels are consecutive: output i is label i
        return v;
    }

    private static List<Path> foldDirs(Path folder, List<String> folds) throws IOException {
        List<Path> dirs = new ArrayList<>();
        if (folds.isEmpty()) {
            try (Stream<Path> s = Files.list(folder)) {
                s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("fold_"))
                        .sorted()
                        .forEach(dirs::add);
            }
            if (dirs.isEmpty()) throw new FormatException(folder, "has no fold_X folders");
        } else {
            for (String f : folds) {
                Path d = folder.resolve("fold_" + f);
                if (!Files.isDirectory(d))
                    throw new FormatException(d, "does not exist: no fold " + f + " in this model");
                dirs.add(d);
            }
        }
        return dirs;
    }

    private static TrainedModel nnunet(Path folder, List<Path> foldDirs, String checkpoint, Backend backend)
            throws IOException {
        DatasetJson dataset = DatasetJson.read(folder.resolve("dataset.json"));
        String configurationName = null;
        List<NnUNetCheckpoint> checkpoints = new ArrayList<>();
        List<Integer> axes = null;
        for (Path d : foldDirs) {
            NnUNetCheckpoint c = NnUNetCheckpoint.read(d.resolve(checkpoint + ".pth"));
            String name = c.configuration() != null ? c.configuration() : configurationFromFolderName(folder);
            if (configurationName != null && !configurationName.equals(name))
                throw new FormatException(
                        c.file(), "was trained as '" + name + "', the other folds as '" + configurationName + "'");
            configurationName = name;
            if (c.mirrorAxes() != null) axes = c.mirrorAxes();
            checkpoints.add(c);
        }
        Path plansFile = folder.resolve(PlanFiles.PLANS);
        int channels = dataset.channelNames().size();
        NnUNetConfiguration config = NnUNetConfiguration.read(plansFile, configurationName, channels);
        List<SegmentationNetwork> nets = new ArrayList<>();
        for (NnUNetCheckpoint c : checkpoints) {
            SegmentationNetwork net =
                    config.architecture().build(backend, config.networkPlan(channels, dataset.numClasses()));
            StateDict.load(net, c.weights(), c.file());
            nets.add(net);
        }
        boolean planar = config.architecture().planar();
        return new TrainedModel(
                folder,
                true,
                dataset,
                config.plan(),
                names(foldDirs),
                nets,
                config.tile(),
                mirrorBits(axes, planar),
                config.axisOrder(),
                null);
    }

    /**
     * nnU-Net's axes count the array's spatial axes (z, y, x for 3D; y, x for a 2D network); ours are bits x 1, y 2, z
     * 4. No axes recorded: all of them, as nnU-Net's default trainer allows.
     */
    static int mirrorBits(List<Integer> axes, boolean planar) {
        if (axes == null) return planar ? 3 : 7;
        int bits = 0;
        for (int a : axes) bits |= planar ? (a == 0 ? 2 : 1) : (a == 0 ? 4 : a == 1 ? 2 : 1);
        return bits;
    }

    /** The inverse of {@link #mirrorBits}: our axis bits as nnU-Net's inference_allowed_mirroring_axes. */
    static List<Long> nnUNetMirrorAxes(int bits, boolean planar) {
        List<Long> axes = new ArrayList<>();
        if (planar) {
            if ((bits & 2) != 0) axes.add(0L);
            if ((bits & 1) != 0) axes.add(1L);
        } else {
            if ((bits & 4) != 0) axes.add(0L);
            if ((bits & 2) != 0) axes.add(1L);
            if ((bits & 1) != 0) axes.add(2L);
        }
        return axes;
    }

    private static String configurationFromFolderName(Path folder) throws FormatException {
        String[] parts = folder.getFileName().toString().split("__");
        if (parts.length != 3)
            throw new FormatException(
                    folder,
                    "its checkpoints do not name their configuration and the folder is not"
                            + " named TRAINER__PLANS__CONFIGURATION");
        return parts[2];
    }

    private static TrainedModel ours(Path folder, List<Path> foldDirs, String checkpoint, Backend backend)
            throws IOException {
        List<SegmentationNetwork> nets = new ArrayList<>();
        Plan plan = null;
        DatasetJson dataset = null;
        ClassMap classes = null;
        int[] tile = null;
        for (Path d : foldDirs) {
            Path ckpt = d.resolve(checkpoint);
            SegmentationNetwork net = Checkpoint.loadNetwork(ckpt, backend);
            Plan p = PlanFiles.readPlan(d);
            DatasetJson json = DatasetJson.read(d.resolve("dataset.json"));
            ClassMap c = RunFolder.classesOf(ckpt, json).orElseThrow();
            int[] own = NetworkConfiguration.tile(net, p);
            if (tile != null && (!Arrays.equals(tile, own) || !c.classNames().equals(classes.classNames())))
                throw new FormatException(
                        d,
                        "its network or classes differ from " + foldDirs.get(0) + "'s: ensemble"
                                + " folds of one run configuration");
            nets.add(net);
            plan = p;
            dataset = json;
            classes = c;
            tile = own;
        }
        return new TrainedModel(
                folder,
                false,
                dataset,
                plan,
                names(foldDirs),
                nets,
                tile,
                SlidingWindow.ALL_AXES,
                AxisOrder.IDENTITY,
                classes);
    }

    private static List<String> names(List<Path> dirs) {
        return dirs.stream().map(d -> d.getFileName().toString()).toList();
    }
}
