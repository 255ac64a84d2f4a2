package org.backsplit.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backsplit.data.plan.Plan;
import org.backsplit.data.preprocess.IntensityStatistics;
import org.backsplit.infer.AxisOrder;
import org.backsplit.io.FormatException;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Shape;

/**
 * One configuration of an nnU-Net v2 plans.json ("3d_fullres", "2d", ...) as this engine runs it: the data plan
 * (spacing, patch, normalisation, axes x, y, z), the network class and its topology (axes z, y, x as nnU-Net lists
 * them), and the order the model sees an image's axes in (transpose_forward; the plan is in that order). Whatever
 * nnU-Net could be asked to do that this engine would do differently (reorienting readers, other resampling orders,
 * other network building blocks) is refused with the plan's file and key named, never approximated.
 *
 * @param features per stage
 * @param kernels per stage, network axes z, y, x (a 2D configuration has 1 along z)
 * @param strides per stage, likewise
 * @param blocksPerStage encoder convolutions (PlainConvUNet) or residual blocks (ResidualEncoderUNet) per stage
 * @param decoderConvs convolutions per decoder stage
 */
public record NnUNetConfiguration(
        String name,
        AxisOrder axisOrder,
        Plan plan,
        Architecture architecture,
        int[] features,
        int[][] kernels,
        int[][] strides,
        int[] blocksPerStage,
        int[] decoderConvs) {

    public static final String PLAIN = "dynamic_network_architectures.architectures.unet.PlainConvUNet";
    public static final String RESENC = "dynamic_network_architectures.architectures.unet.ResidualEncoderUNet";

    /** The network for `inputChannels` channels and `classes` outputs. */
    public UNetPlan networkPlan(int inputChannels, int classes) {
        return new UNetPlan(inputChannels, classes, features, kernels, strides, blocksPerStage, decoderConvs);
    }

    /** The sliding-window tile {x, y, z}: the configuration's patch size. */
    public int[] tile() {
        return plan.patchSize().clone();
    }

    /** Reads configuration `name` of the plans.json `file` (for a dataset of `channels` input channels). */
    public static NnUNetConfiguration read(Path file, String name, int channels) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new FormatException(file, "is not valid JSON: " + e.getOriginalMessage());
        }
        Reader r = new Reader(file);
        JsonNode configs = r.object(root, "configurations");
        JsonNode c = configs.path(name);
        if (!c.isObject()) {
            List<String> names = new ArrayList<>();
            configs.fieldNames().forEachRemaining(names::add);
            throw new FormatException(file, "has no configuration '" + name + "' (it has " + names + ")");
        }
        c = resolveInheritance(r, configs, name, 0);
        AxisOrder axisOrder = r.axisOrder(root);
        String reader = root.path("image_reader_writer").asText("SimpleITKIO");
        if (!reader.equals("SimpleITKIO") && !reader.equals("NibabelIO")) {
            throw new FormatException(
                    file,
                    "image_reader_writer " + reader + " is not supported: only SimpleITKIO and"
                            + " NibabelIO read NIfTI files voxel for voxel as this engine does");
        }
        for (String[] fn : new String[][] {{"resampling_fn_data", "3"}, {"resampling_fn_probabilities", "1"}}) {
            String key = fn[0];
            if (!c.path(key).asText().equals("resample_data_or_seg_to_shape"))
                throw new FormatException(
                        file,
                        name + "." + key + " is '" + c.path(key).asText()
                                + "'; only nnU-Net's default resample_data_or_seg_to_shape is supported");
            JsonNode kw = c.path(key + "_kwargs");
            if (kw.path("order").asInt(-1) != Integer.parseInt(fn[1])
                    || kw.path("order_z").asInt(-1) != 0
                    || !kw.path("force_separate_z").isNull())
                throw new FormatException(
                        file,
                        name + "." + key + "_kwargs " + kw + " differ from nnU-Net's defaults" + " (order " + fn[1]
                                + ", order_z 0, force_separate_z null), which are what this engine does");
        }

        JsonNode arch = r.object(c, "architecture");
        String className = r.text(arch, "network_class_name");
        JsonNode kw = r.object(arch, "arch_kwargs");
        String conv = r.text(kw, "conv_op");
        boolean planar = conv.endsWith("Conv2d");
        if (!planar && !conv.endsWith("Conv3d"))
            throw new FormatException(file, "conv_op " + conv + " is not supported");
        Architecture architecture;
        if (className.equals(PLAIN) || className.endsWith(".PlainConvUNet")) {
            architecture = planar ? Architecture.UNET2D : Architecture.UNET;
        } else if (className.equals(RESENC) || className.endsWith(".ResidualEncoderUNet")) {
            architecture = planar ? Architecture.RESENC2D : Architecture.RESENC;
        } else {
            throw new FormatException(
                    file,
                    "network_class_name " + className + " is not supported (PlainConvUNet and"
                            + " ResidualEncoderUNet are)");
        }
        r.check(kw, "conv_bias", true);
        if (!r.text(kw, "norm_op").contains("InstanceNorm"))
            throw new FormatException(
                    file, "norm_op " + kw.path("norm_op").asText() + " is not supported (instance norm is)");
        JsonNode norm = kw.path("norm_op_kwargs");
        if (Math.abs(norm.path("eps").asDouble(1e-5) - 1e-5) > 1e-12
                || !norm.path("affine").asBoolean(true))
            throw new FormatException(
                    file, "norm_op_kwargs " + norm + ": only eps 1e-5 with affine weights is supported");
        if (!kw.path("dropout_op").isNull() && !kw.path("dropout_op").isMissingNode())
            throw new FormatException(file, "dropout_op " + kw.path("dropout_op") + " is not supported");
        if (!r.text(kw, "nonlin").endsWith("LeakyReLU")
                || Math.abs(kw.path("nonlin_kwargs").path("negative_slope").asDouble(0.01) - 0.01) > 1e-12)
            throw new FormatException(
                    file,
                    "nonlin " + kw.path("nonlin") + " " + kw.path("nonlin_kwargs")
                            + " is not supported (LeakyReLU with slope 0.01 is)");

        boolean residual = architecture == Architecture.RESENC || architecture == Architecture.RESENC2D;
        int dims = planar ? 2 : 3;
        int[] features = r.ints(kw, "features_per_stage");
        int stages = features.length;
        if (kw.has("n_stages") && kw.path("n_stages").asInt() != stages)
            throw new FormatException(
                    file, "n_stages " + kw.path("n_stages") + " but " + stages + " features_per_stage");
        int[][] kernels = new int[stages][], strides = new int[stages][];
        for (int s = 0; s < stages; s++) {
            kernels[s] = r.spatial(kw.path("kernel_sizes").path(s), dims, "kernel_sizes[" + s + "]");
            strides[s] = r.spatial(kw.path("strides").path(s), dims, "strides[" + s + "]");
        }
        int[] blocks = r.ints(kw, residual ? "n_blocks_per_stage" : "n_conv_per_stage");
        int[] decoder = r.ints(kw, "n_conv_per_stage_decoder");

        double[] spacing = r.doubles(c, "spacing", dims);
        int[] patch = r.intsOfLength(c, "patch_size", dims);
        int[] median = r.intsOfLength(c, "median_image_size_in_voxels", dims);
        // nnU-Net lists axes z, y, x; our plan x, y, z. A 2D configuration keeps each case's spacing across slices.
        double[] targetSpacing = planar ? new double[] {spacing[1], spacing[0], 0} : reverse(spacing);
        int[] patchXyz = planar ? new int[] {patch[1], patch[0], 1} : Shape.reverseAxes(patch);
        int[] medianXyz = planar ? new int[] {median[1], median[0], 1} : Shape.reverseAxes(median);
        List<String> normalization = new ArrayList<>();
        List<Boolean> useMask = new ArrayList<>();
        List<IntensityStatistics> stats = new ArrayList<>();
        JsonNode schemes = c.path("normalization_schemes"), masks = c.path("use_mask_for_norm");
        if (schemes.size() != channels || masks.size() != channels)
            throw new FormatException(
                    file, name + " normalises " + schemes.size() + " channels, the dataset has " + channels);
        JsonNode fg = root.path("foreground_intensity_properties_per_channel");
        for (int ch = 0; ch < channels; ch++) {
            normalization.add(schemes.get(ch).asText());
            useMask.add(masks.get(ch).asBoolean());
            JsonNode p = fg.path(Integer.toString(ch));
            stats.add(
                    p.isObject()
                            ? new IntensityStatistics(
                                    p.path("mean").asDouble(),
                                    p.path("std").asDouble(),
                                    p.path("percentile_00_5").asDouble(),
                                    p.path("percentile_99_5").asDouble(),
                                    p.path("min").asDouble(),
                                    p.path("max").asDouble(),
                                    0)
                            : null);
            if (schemes.get(ch).asText().equals("CTNormalization") && stats.get(ch) == null)
                throw new FormatException(
                        file,
                        "channel " + ch + " uses CTNormalization but"
                                + " foreground_intensity_properties_per_channel has no entry \"" + ch + "\"");
        }
        Plan plan = new Plan(
                targetSpacing,
                medianXyz,
                patchXyz,
                c.path("batch_size").asInt(2),
                xyz(strides),
                xyz(kernels),
                normalization,
                useMask,
                stats);
        try {
            NnUNetConfiguration out = new NnUNetConfiguration(
                    name, axisOrder, plan, architecture, features, kernels, strides, blocks, decoder);
            out.networkPlan(channels, 2); // validates the topology
            return out;
        } catch (IllegalArgumentException e) {
            throw new FormatException(file, name + ": " + e.getMessage());
        }
    }

    /** nnU-Net lets a configuration name another it inherits from ("inherits_from"), overriding some keys. */
    private static JsonNode resolveInheritance(Reader r, JsonNode configs, String name, int depth)
            throws FormatException {
        JsonNode c = configs.path(name);
        if (!c.isObject()) throw new FormatException(r.file, "has no configuration '" + name + "'");
        if (!c.has("inherits_from")) return c;
        if (depth > 8) throw new FormatException(r.file, "configuration inheritance loops at '" + name + "'");
        var merged = (com.fasterxml.jackson.databind.node.ObjectNode)
                resolveInheritance(r, configs, c.path("inherits_from").asText(), depth + 1)
                        .deepCopy();
        for (Map.Entry<String, JsonNode> e : c.properties()) merged.set(e.getKey(), e.getValue());
        return merged;
    }

    private static double[] reverse(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = v[v.length - 1 - i];
        return o;
    }

    private static int[][] xyz(int[][] zyx) {
        int[][] o = new int[zyx.length][];
        for (int i = 0; i < zyx.length; i++) o[i] = Shape.reverseAxes(zyx[i]);
        return o;
    }

    /** Reads typed values of the plans file, each error naming the file and the key. */
    private record Reader(Path file) {
        JsonNode object(JsonNode parent, String key) throws FormatException {
            JsonNode n = parent.path(key);
            if (!n.isObject()) throw new FormatException(file, "needs an object '" + key + "'");
            return n;
        }

        String text(JsonNode parent, String key) throws FormatException {
            JsonNode n = parent.path(key);
            if (!n.isTextual()) throw new FormatException(file, "needs a string '" + key + "'");
            return n.asText();
        }

        void check(JsonNode parent, String key, boolean expected) throws FormatException {
            if (parent.path(key).asBoolean(expected) != expected)
                throw new FormatException(
                        file, key + " = " + parent.path(key) + " is not supported (" + expected + " is)");
        }

        /** transpose_forward as an axis order, checked to be a permutation that transpose_backward undoes. */
        AxisOrder axisOrder(JsonNode root) throws FormatException {
            if (!root.has("transpose_forward")) return AxisOrder.IDENTITY;
            int[] forward = intsOfLength(root, "transpose_forward", 3);
            int[] backward = root.has("transpose_backward") ? intsOfLength(root, "transpose_backward", 3) : null;
            AxisOrder order;
            try {
                order = AxisOrder.ofNnUNetTranspose(forward);
            } catch (IllegalArgumentException e) {
                throw new FormatException(file, "transpose_forward: " + e.getMessage());
            }
            if (backward != null)
                for (int j = 0; j < 3; j++)
                    if (backward[j] < 0 || backward[j] > 2 || forward[backward[j]] != j)
                        throw new FormatException(
                                file,
                                "transpose_backward " + java.util.Arrays.toString(backward)
                                        + " does not undo transpose_forward " + java.util.Arrays.toString(forward));
            return order;
        }

        int[] ints(JsonNode parent, String key) throws FormatException {
            JsonNode n = parent.path(key);
            if (!n.isArray() || n.isEmpty()) throw new FormatException(file, "needs a list of integers '" + key + "'");
            int[] o = new int[n.size()];
            for (int i = 0; i < o.length; i++) {
                if (!n.get(i).canConvertToInt()) throw new FormatException(file, key + "[" + i + "] is not an integer");
                o[i] = n.get(i).asInt();
            }
            return o;
        }

        int[] intsOfLength(JsonNode parent, String key, int length) throws FormatException {
            int[] o = ints(parent, key);
            if (o.length != length)
                throw new FormatException(
                        file, key + " has " + o.length + " entries, the configuration " + length + " axes");
            return o;
        }

        double[] doubles(JsonNode parent, String key, int length) throws FormatException {
            JsonNode n = parent.path(key);
            if (!n.isArray() || n.size() != length)
                throw new FormatException(file, "needs '" + key + "' with " + length + " numbers");
            double[] o = new double[length];
            for (int i = 0; i < length; i++) {
                o[i] = n.get(i).asDouble();
                if (!(o[i] > 0)) throw new FormatException(file, key + "[" + i + "] must be positive");
            }
            return o;
        }

        /** A per-axis entry as network axes z, y, x (a 2D entry gets 1 along z). */
        int[] spatial(JsonNode n, int dims, String what) throws FormatException {
            if (!n.isArray() || n.size() != dims)
                throw new FormatException(file, what + " needs " + dims + " entries, has " + n);
            int[] o = new int[3];
            o[0] = 1;
            for (int i = 0; i < dims; i++) o[3 - dims + i] = n.get(i).asInt();
            return o;
        }
    }
}
