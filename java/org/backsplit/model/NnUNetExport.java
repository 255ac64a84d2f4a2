package org.backsplit.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.Backend;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.preprocess.IntensityStatistics;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.torch.PyTuple;
import org.backsplit.io.torch.TorchFile;
import org.backsplit.io.torch.TorchTensor;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.StateDict;
import org.backsplit.nn.UNetPlan;

/**
 * Writes a trained model as an nnU-Net v2 results folder that nnU-Net's predictor loads: plans.json (one configuration,
 * "3d_fullres" or "2d", in nnU-Net's schema), dataset.json (every network output as a label, auxiliary classes
 * included), and per fold checkpoint_final.pth with what the predictor reads (network_weights with nnU-Net's alias
 * keys, init_args, trainer_name, inference_allowed_mirroring_axes) plus current_epoch.
 */
public final class NnUNetExport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private NnUNetExport() {}

    /** The folder name nnU-Net gives a model: TRAINER__PLANS__CONFIGURATION. */
    public static String folderName(TrainedModel model) {
        return "nnUNetTrainer__nnUNetPlans__" + configurationName(model);
    }

    public static void write(TrainedModel model, String datasetName, Path out, Backend backend) throws IOException {
        SegmentationNetwork first = model.folds().get(0);
        Architecture a = first.architecture();
        if (a == Architecture.SEGRESNET || a == Architecture.SWINUNETR)
            throw new IllegalArgumentException(model.folder() + ": " + a.checkpointName()
                    + " is MONAI's network; nnU-Net v2 has no class for it, so it cannot be exported as an nnU-Net"
                    + " model (its checkpoint's model.safetensors is a state_dict with MONAI's names)");
        if (a.planar() && model.plan().targetSpacing()[2] > 0)
            throw new IllegalArgumentException(model.folder() + ": this 2D U-Net was trained on slices resampled across"
                    + " slices too; nnU-Net's 2d configuration never resamples across slices, so nnU-Net would predict"
                    + " differently with it. Only 2D models imported from nnU-Net export as they are.");
        Files.createDirectories(out);
        String configuration = configurationName(model);
        ObjectNode dataset = datasetJson(model, datasetName);
        ObjectNode plans = plans(model, datasetName, configuration, first.plan());
        AtomicFiles.writeString(out.resolve("dataset.json"), JSON.writeValueAsString(dataset));
        AtomicFiles.writeString(out.resolve("plans.json"), JSON.writeValueAsString(plans));
        Map<String, Object> plansValue = plain(plans), datasetValue = plain(dataset);
        for (int f = 0; f < model.folds().size(); f++) {
            String foldName = model.foldNames().get(f);
            String fold = foldName.startsWith("fold_") ? foldName.substring(5) : foldName;
            Map<String, Object> weights = new LinkedHashMap<>();
            for (NamedTensor t : StateDict.withAliases(
                    StateDict.export(backend, model.folds().get(f).parameters()))) {
                weights.put(t.name(), TorchTensor.float32(t.shape().dims(), t.data()));
            }
            Map<String, Object> initArgs = new LinkedHashMap<>();
            initArgs.put("plans", plansValue);
            initArgs.put("configuration", configuration);
            initArgs.put("fold", fold.matches("\\d+") ? (Object) Long.parseLong(fold) : fold);
            initArgs.put("dataset_json", datasetValue);
            Map<String, Object> checkpoint = new LinkedHashMap<>();
            checkpoint.put("network_weights", weights);
            checkpoint.put("init_args", initArgs);
            checkpoint.put("trainer_name", "nnUNetTrainer");
            checkpoint.put(
                    "inference_allowed_mirroring_axes",
                    new PyTuple(new ArrayList<>(TrainedModel.nnUNetMirrorAxes(model.mirrorAxes(), a.planar()))));
            TorchFile.write(out.resolve(foldName).resolve(TrainedModel.FINAL + ".pth"), checkpoint);
        }
    }

    private static String configurationName(TrainedModel model) {
        return model.folds().get(0).architecture().planar() ? "2d" : "3d_fullres";
    }

    private static ObjectNode datasetJson(TrainedModel model, String name) {
        ObjectNode d = JSON.createObjectNode();
        ObjectNode channels = d.putObject("channel_names");
        model.dataset().channelNames().forEach((i, n) -> channels.put(Integer.toString(i), n));
        ObjectNode labels = d.putObject("labels");
        List<String> outputs = model.outputNames();
        for (int i = 0; i < outputs.size(); i++) labels.put(outputs.get(i), i);
        d.put("numTraining", model.dataset().numTraining());
        d.put("file_ending", model.dataset().fileEnding());
        d.put("name", name);
        return d;
    }

    private static ObjectNode plans(TrainedModel model, String datasetName, String configuration, UNetPlan net) {
        Plan plan = model.plan();
        boolean planar = configuration.equals("2d");
        ObjectNode p = JSON.createObjectNode();
        p.put("dataset_name", datasetName);
        p.put("plans_name", "nnUNetPlans");
        double[] spacing = plan.targetSpacing();
        array(
                p.putArray("original_median_spacing_after_transp"),
                spacing[2] > 0 ? spacing[2] : 1.0,
                spacing[1],
                spacing[0]);
        int[] median = plan.medianShape();
        array(p.putArray("original_median_shape_after_transp"), median[2], median[1], median[0]);
        p.put("image_reader_writer", "SimpleITKIO");
        int[] forward = model.axisOrder().nnUNetTranspose(), backward = new int[3];
        for (int j = 0; j < 3; j++) backward[forward[j]] = j;
        array(p.putArray("transpose_forward"), forward);
        array(p.putArray("transpose_backward"), backward);
        ObjectNode c = p.putObject("configurations").putObject(configuration);
        c.put("data_identifier", "nnUNetPlans_" + configuration);
        c.put("preprocessor_name", "DefaultPreprocessor");
        c.put("batch_size", plan.batchSize());
        int[] tile = model.tile();
        if (planar) {
            array(c.putArray("patch_size"), tile[1], tile[0]);
            array(c.putArray("median_image_size_in_voxels"), median[1], median[0]);
            array(c.putArray("spacing"), spacing[1], spacing[0]);
        } else {
            array(c.putArray("patch_size"), tile[2], tile[1], tile[0]);
            array(c.putArray("median_image_size_in_voxels"), median[2], median[1], median[0]);
            array(c.putArray("spacing"), spacing[2], spacing[1], spacing[0]);
        }
        ArrayNode schemes = c.putArray("normalization_schemes"), masks = c.putArray("use_mask_for_norm");
        for (int ch = 0; ch < plan.normalization().size(); ch++) {
            String s = plan.normalization().get(ch);
            schemes.add(s.equals("CT") ? "CTNormalization" : s.equals("ZScore") ? "ZScoreNormalization" : s);
            masks.add(plan.useMaskForNorm().get(ch));
        }
        for (String fn : List.of("data", "seg", "probabilities")) {
            c.put("resampling_fn_" + fn, "resample_data_or_seg_to_shape");
            ObjectNode kw = c.putObject("resampling_fn_" + fn + "_kwargs");
            kw.put("is_seg", fn.equals("seg"));
            kw.put("order", fn.equals("data") ? 3 : 1);
            kw.put("order_z", 0);
            kw.putNull("force_separate_z");
        }
        c.set("architecture", architecture(net, model.folds().get(0).architecture(), planar));
        c.put("batch_dice", false);
        p.put("experiment_planner_used", "BackSplit");
        p.put("label_manager", "LabelManager");
        ObjectNode fg = p.putObject("foreground_intensity_properties_per_channel");
        for (int ch = 0; ch < plan.normalization().size(); ch++) {
            IntensityStatistics s = plan.ctStatistics().get(ch);
            ObjectNode e = fg.putObject(Integer.toString(ch));
            // nnU-Net hands every channel's entry to its normaliser; only CT normalisation reads it. A z-score channel
            // has no statistics in our plan, so its entry holds nulls rather than invented numbers.
            for (String k : List.of("max", "mean", "median", "min", "percentile_00_5", "percentile_99_5", "std")) {
                if (s == null || k.equals("median")) e.putNull(k);
                else
                    e.put(
                            k,
                            switch (k) {
                                case "max" -> s.max();
                                case "mean" -> s.mean();
                                case "min" -> s.min();
                                case "percentile_00_5" -> s.percentile005();
                                case "percentile_99_5" -> s.percentile995();
                                default -> s.std();
                            });
            }
        }
        return p;
    }

    private static ObjectNode architecture(UNetPlan net, Architecture a, boolean planar) {
        ObjectNode arch = JSON.createObjectNode();
        boolean residual = a == Architecture.RESENC || a == Architecture.RESENC2D;
        arch.put("network_class_name", residual ? NnUNetConfiguration.RESENC : NnUNetConfiguration.PLAIN);
        ObjectNode kw = arch.putObject("arch_kwargs");
        int dims = planar ? 2 : 3;
        kw.put("n_stages", net.stages());
        array(kw.putArray("features_per_stage"), net.features());
        kw.put("conv_op", "torch.nn.modules.conv.Conv" + dims + "d");
        ArrayNode kernels = kw.putArray("kernel_sizes"), strides = kw.putArray("strides");
        for (int s = 0; s < net.stages(); s++) {
            array(kernels.addArray(), lastAxes(net.kernels()[s], dims));
            array(strides.addArray(), lastAxes(net.strides()[s], dims));
        }
        array(kw.putArray(residual ? "n_blocks_per_stage" : "n_conv_per_stage"), net.convsPerEncoderStage());
        array(kw.putArray("n_conv_per_stage_decoder"), net.convsPerDecoderStage());
        kw.put("conv_bias", true);
        kw.put("norm_op", "torch.nn.modules.instancenorm.InstanceNorm" + dims + "d");
        ObjectNode norm = kw.putObject("norm_op_kwargs");
        norm.put("eps", 1e-5);
        norm.put("affine", true);
        kw.putNull("dropout_op");
        kw.putNull("dropout_op_kwargs");
        kw.put("nonlin", "torch.nn.LeakyReLU");
        kw.putObject("nonlin_kwargs").put("inplace", true);
        array(arch.putArray("_kw_requires_import"), "conv_op", "norm_op", "dropout_op", "nonlin");
        return arch;
    }

    private static int[] lastAxes(int[] zyx, int dims) {
        return java.util.Arrays.copyOfRange(zyx, 3 - dims, 3);
    }

    private static void array(ArrayNode a, int... v) {
        for (int x : v) a.add(x);
    }

    private static void array(ArrayNode a, double... v) {
        for (double x : v) a.add(x);
    }

    private static void array(ArrayNode a, String... v) {
        for (String x : v) a.add(x);
    }

    /** A JSON tree as the plain values the pickle holds (maps, lists, strings, numbers, booleans, None). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> plain(ObjectNode node) {
        return JSON.convertValue(node, LinkedHashMap.class);
    }
}
