package org.backsplit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.backsplit.backend.Backend;
import org.backsplit.data.ClassMap;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.TrainingMode;
import org.backsplit.data.patch.PreparedCase;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.plan.PlanFiles;
import org.backsplit.data.plan.Planning;
import org.backsplit.data.plan.Preprocessor;
import org.backsplit.fisher.FisherDiagnostic;
import org.backsplit.fisher.FisherSummary;
import org.backsplit.io.AtomicFiles;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.run.RunFolder;
import org.backsplit.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Proposition 1's information gap for a trained network on a dataset's cases, and the auxiliary ranking. */
@Command(
        name = "fisher",
        mixinStandardHelpOptions = true,
        description =
                "Measures the expected Fisher information of the final 1x1x1 layer under the multiclass label (I_Y) and "
                        + "under the collapsed binary label of the target (I_Z), over all voxels and near the target, and ranks the "
                        + "non-target classes (background and each auxiliary structure) by their share of the missing information. "
                        + "Prints a table; --json writes it all.")
final class FisherCommand implements Callable<Integer> {

    @Option(
            names = "--checkpoint",
            required = true,
            description = "a checkpoint folder or a bare .safetensors state_dict")
    Path checkpoint;

    @Option(
            names = "--dataset",
            required = true,
            description = "an nnU-Net raw dataset folder (dataset.json, imagesTr, labelsTr)")
    Path dataset;

    @Option(
            names = "--preprocessed",
            required = true,
            description =
                    "the preprocessing cache (plans.json and one file per case); made if missing, reused if present")
    Path preprocessed;

    @Option(
            names = "--targets",
            required = true,
            split = ",",
            description = "the lesion class names, as in dataset.json")
    List<String> targets;

    @Option(names = "--target", description = "which of --targets to measure (default: the first)")
    String target;

    @Option(names = "--cases", split = ",", description = "case ids (default: every training case)")
    List<String> cases;

    @Option(
            names = "--margin-mm",
            defaultValue = "5",
            description = "near the target: within this distance (default: ${DEFAULT-VALUE} mm)")
    double marginMm;

    @Option(
            names = "--patch",
            split = ",",
            description = "tile size x,y,z (default: the plan's patch, rounded up to what the network takes)")
    int[] patch;

    @Option(names = "--json", description = "write the full result here")
    Path json;

    @picocli.CommandLine.Mixin
    DeviceOptions devices;

    @Override
    public Integer call() throws Exception {
        NnUNetDataset data = NnUNetDataset.open(dataset);
        Backend backend = devices.open();
        SegmentationNetwork net = Checkpoint.loadNetwork(checkpoint, backend);
        ClassMap classes = classesFor(data, net.plan().numClasses());
        String targetName = target == null ? targets.get(0) : target;
        int targetClass = classes.classNames().indexOf(targetName);
        if (targetClass < 1 || !targets.contains(targetName))
            throw new IllegalArgumentException("--target '" + targetName + "' is not one of --targets " + targets);
        Plan plan = planFor(data);
        int[] tile = patch != null
                ? net.plan().roundUpInputSize(patch)
                : org.backsplit.run.NetworkConfiguration.tile(net, plan);
        List<String> ids = cases != null ? cases : data.trainingIds();

        FisherSummary all = new FisherSummary(classes.numClasses()), near = new FisherSummary(classes.numClasses());
        List<Map<String, Object>> perCase = new ArrayList<>();
        for (String id : ids) {
            if (!data.trainingIds().contains(id))
                throw new IllegalArgumentException(dataset + ": has no training case '" + id + "'");
            List<PreparedCase> one =
                    Preprocessor.load(preprocessed, List.of(id), classes, Set.of(), classes.targetClasses());
            FisherDiagnostic.Result r =
                    FisherDiagnostic.measure(net, one, tile, targetClass, marginMm, plan.targetSpacing());
            all.add(r.all());
            near.add(r.nearTarget());
            Map<String, Object> row =
                    new LinkedHashMap<>(); // a case without the target has no ratio near it: null in the JSON
            row.put("case", id);
            row.put("ratio_all", finite(r.all().ratio()));
            row.put("ratio_near", finite(r.nearTarget().ratio()));
            row.put("voxels_near", r.nearTarget().voxels());
            perCase.add(row);
            System.err.printf(
                    "%s: ratio %.4f overall, %.4f near the target (%d voxels)%n",
                    id, r.all().ratio(), r.nearTarget().ratio(), r.nearTarget().voxels());
        }
        System.out.print(table(classes, targetClass, all, near));
        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("checkpoint", checkpoint.toString());
            out.put("mode", classes.mode().toString().toLowerCase());
            out.put("classes", classes.classNames());
            out.put("target", targetName);
            out.put("margin_mm", marginMm);
            out.put("spacing_mm", plan.targetSpacing());
            out.put("tile", tile);
            out.put("all", summary(classes, targetClass, all));
            out.put("near_target", summary(classes, targetClass, near));
            out.put("cases", perCase);
            AtomicFiles.writeString(
                    json,
                    new ObjectMapper()
                            .enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(out));
        }
        return 0;
    }

    /** The class layout the network was trained with, told by its number of outputs. */
    /** The run's own class layout when the checkpoint sits in a run folder; else told by the number of outputs. */
    private ClassMap classesFor(NnUNetDataset data, int outputs) throws java.io.IOException {
        var fromRun = RunFolder.classesOf(checkpoint, data.json());
        if (fromRun.isPresent()) return fromRun.get();
        return ClassMap.forOutputs(data.json(), targets, outputs)
                .orElseThrow(() -> new IllegalArgumentException(checkpoint + ": the network has "
                        + outputs + " outputs; with targets " + targets + " " + dataset.resolve("dataset.json")
                        + " gives "
                        + ClassMap.of(data.json(), targets, TrainingMode.BACKSPLIT, false)
                                .numClasses() + " (BackSplit) or " + (1 + targets.size()) + " (binary)"));
    }

    private Plan planFor(NnUNetDataset data) throws java.io.IOException {
        if (!Files.exists(preprocessed.resolve(PlanFiles.PLANS)))
            return Planning.planAndPreprocess(data, preprocessed, null, null);
        Plan plan = PlanFiles.readPlan(preprocessed);
        int made = Preprocessor.run(data, plan, preprocessed);
        if (made > 0) System.err.println("preprocessed " + made + " cases into " + preprocessed);
        return plan;
    }

    private static Map<String, Object> summary(ClassMap classes, int targetClass, FisherSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("voxels", s.voxels());
        m.put("trace_I_Y", s.traceY());
        m.put("trace_I_Z", s.traceZ());
        m.put("trace_missing", s.traceMissing());
        m.put("ratio", finite(s.ratio()));
        List<Map<String, Object>> ranking = new ArrayList<>();
        double[] f = s.shareFractions();
        for (int k : s.ranking(targetClass))
            ranking.add(Map.of("class", classes.classNames().get(k), "share", f[k]));
        m.put("ranking", ranking);
        return m;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String table(ClassMap classes, int targetClass, FisherSummary all, FisherSummary near) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                "%-14s %10s %14s %14s %14s %8s%n", "region", "voxels", "tr I_Y", "tr I_Z", "missing", "ratio"));
        for (var row : List.of(Map.entry("all", all), Map.entry("near target", near))) {
            FisherSummary s = row.getValue();
            b.append(String.format(
                    "%-14s %10d %14.6g %14.6g %14.6g %8.4f%n",
                    row.getKey(), s.voxels(), s.traceY(), s.traceZ(), s.traceMissing(), s.ratio()));
        }
        b.append(
                String.format(
                        "%nshare of the missing information per non-target class (near target / all), largest near the target first:%n"));
        double[] fn = near.shareFractions(), fa = all.shareFractions();
        for (int k : near.ranking(targetClass)) {
            b.append(String.format(
                    "  %-20s %7.2f%% %7.2f%%%n", classes.classNames().get(k), 100 * fn[k], 100 * fa[k]));
        }
        return b.toString();
    }
}
