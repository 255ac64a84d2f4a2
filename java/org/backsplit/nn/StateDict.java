package org.backsplit.nn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.backsplit.backend.Backend;
import org.backsplit.io.FormatException;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.SafeTensors;
import org.backsplit.tensor.Shape;

/**
 * Network weights as a PyTorch state_dict in safetensors, named and shaped as nnU-Net's modules name them, so they move
 * both ways between this engine and PyTorch. PyTorch's alias keys (ConvDropoutNormReLU's "all_modules" and the
 * decoder's reference to the encoder) are ignored on import.
 */
public final class StateDict {
    private static final Pattern ENCODER_CONV =
            Pattern.compile("encoder\\.stages\\.(\\d+)\\.0\\.convs\\.(\\d+)\\.conv\\.weight");
    private static final Pattern DECODER_CONV =
            Pattern.compile("decoder\\.stages\\.(\\d+)\\.convs\\.(\\d+)\\.conv\\.weight");
    private static final Pattern TRANSPCONV = Pattern.compile("decoder\\.transpconvs\\.(\\d+)\\.weight");
    private static final Pattern SEG_LAYER = Pattern.compile("decoder\\.seg_layers\\.(\\d+)\\.weight");

    private StateDict() {}

    /** True for the keys PyTorch adds as aliases of the same tensors. */
    public static boolean isAlias(String key) {
        return key.contains(".all_modules.") || key.startsWith("decoder.encoder.");
    }

    /**
     * The state dict as PyTorch's module tree names it, aliases included, so that nnU-Net's load_state_dict (strict)
     * finds every key: each ConvDropoutNormReLU's conv and norm again as all_modules.0 and all_modules.1, and the whole
     * encoder again under decoder.encoder (the decoder holds the encoder module), in the module tree's order.
     */
    public static List<NamedTensor> withAliases(List<NamedTensor> tensors) {
        List<NamedTensor> encoder = new ArrayList<>(), rest = new ArrayList<>();
        for (NamedTensor t : tensors) (t.name().startsWith("encoder.") ? encoder : rest).add(t);
        List<NamedTensor> encoderWithAliases = withModuleAliases(encoder);
        List<NamedTensor> out = new ArrayList<>(encoderWithAliases);
        for (NamedTensor t : encoderWithAliases) out.add(new NamedTensor("decoder." + t.name(), t.shape(), t.data()));
        out.addAll(withModuleAliases(rest));
        return out;
    }

    private static final Pattern CONV_NORM = Pattern.compile("(.*)\\.(conv|norm)\\.(weight|bias)");

    /** Each ConvDropoutNormReLU's tensors followed by their all_modules aliases (conv 0, norm 1: no dropout). */
    private static List<NamedTensor> withModuleAliases(List<NamedTensor> tensors) {
        List<NamedTensor> out = new ArrayList<>(), pending = new ArrayList<>();
        String block = null;
        for (NamedTensor t : tensors) {
            Matcher m = CONV_NORM.matcher(t.name());
            String owner = m.matches() ? m.group(1) : null;
            if (block != null && !block.equals(owner)) {
                flushAliases(block, pending, out);
                block = null;
            }
            out.add(t);
            if (owner != null) {
                block = owner;
                pending.add(t);
            }
        }
        if (block != null) flushAliases(block, pending, out);
        return out;
    }

    private static void flushAliases(String block, List<NamedTensor> pending, List<NamedTensor> out) {
        for (NamedTensor t : pending) {
            String rest = t.name().substring(block.length() + 1); // conv.weight, norm.bias, ...
            String index = rest.startsWith("conv.") ? "0" : "1";
            String leaf = rest.substring(rest.indexOf('.') + 1);
            out.add(new NamedTensor(block + ".all_modules." + index + "." + leaf, t.shape(), t.data()));
        }
        pending.clear();
    }

    public static List<NamedTensor> export(Backend backend, List<Parameter> params) {
        List<NamedTensor> out = new ArrayList<>();
        for (Parameter p : params) {
            float[] ours = backend.download(p.value());
            out.add(new NamedTensor(
                    p.name(),
                    p.layout().torch(p.value().shape()),
                    p.layout().toTorch(ours, p.value().shape())));
        }
        return out;
    }

    public static void save(Backend backend, List<Parameter> params, Path file, Map<String, String> metadata)
            throws IOException {
        SafeTensors.write(file, export(backend, params), metadata);
    }

    /** A network's whole state_dict: its parameters, then its buffers. */
    public static List<NamedTensor> export(SegmentationNetwork net) {
        List<NamedTensor> out = export(net.backend(), net.parameters());
        out.addAll(net.buffers());
        return out;
    }

    public static void save(SegmentationNetwork net, Path file, Map<String, String> metadata) throws IOException {
        SafeTensors.write(file, export(net), metadata);
    }

    /**
     * Loads a network's parameters as {@link #load(Backend, List, Map, Path)} does, after checking its buffers: each
     * must be in the file with the network's values (a relative position index built for another window is an error,
     * not something to overwrite).
     */
    public static void load(SegmentationNetwork net, Map<String, NamedTensor> tensors, Path file) throws IOException {
        Map<String, NamedTensor> rest = new LinkedHashMap<>(tensors);
        for (NamedTensor b : net.buffers()) {
            NamedTensor t = rest.remove(b.name());
            if (t == null) throw new FormatException(file, "has no tensor '" + b.name() + "'");
            if (!t.shape().equals(b.shape()) || !java.util.Arrays.equals(t.data(), b.data()))
                throw new FormatException(
                        file, "tensor '" + b.name() + "' (" + t.shape() + ") differs from the network's " + b.shape());
        }
        load(net.backend(), net.parameters(), rest, file);
    }

    /** Loads every parameter from the file's tensors; a missing, unexpected or misshapen key is an error. */
    public static void load(Backend backend, List<Parameter> params, Map<String, NamedTensor> tensors, Path file)
            throws IOException {
        Map<String, NamedTensor> left = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (!isAlias(k)) left.put(k, v);
        });
        for (Parameter p : params) {
            NamedTensor t = left.remove(p.name());
            if (t == null) throw new FormatException(file, "has no tensor '" + p.name() + "'");
            Shape expected = p.layout().torch(p.value().shape());
            if (!t.shape().equals(expected)) {
                throw new FormatException(
                        file,
                        "tensor '" + p.name() + "' has shape " + t.shape() + " where the network has " + expected);
            }
            p.set(backend.upload(
                    p.layout().fromTorch(t.data(), t.shape()), p.value().shape()));
        }
        if (!left.isEmpty()) {
            throw new FormatException(file, "has tensors the network does not: " + new TreeSet<>(left.keySet()));
        }
    }

    /** True when the state_dict's convolutions are 2D ([K, C, kh, kw]): a 2D U-Net's. */
    public static boolean isPlanar(Map<String, NamedTensor> tensors) {
        for (Map.Entry<String, NamedTensor> e : tensors.entrySet()) {
            if (ENCODER_CONV.matcher(e.getKey()).matches())
                return e.getValue().shape().rank() == 4;
        }
        return false;
    }

    /** The kernel extent of a PyTorch convolution weight, as (d, h, w); a 2D weight has depth 1. */
    private static int[] spatial(Shape w) {
        return w.rank() == 4 ? new int[] {1, w.dim(2), w.dim(3)} : new int[] {w.dim(2), w.dim(3), w.dim(4)};
    }

    /**
     * Rebuilds a PlainConvUNet plan (3D or 2D) from a state_dict's shapes alone: conv weights give widths and kernels,
     * transposed-conv kernels give the strides, the heads give the classes.
     */
    public static UNetPlan inferPlan(Map<String, NamedTensor> tensors, Path file) throws FormatException {
        TreeMap<Integer, TreeMap<Integer, Shape>> enc = new TreeMap<>(), dec = new TreeMap<>();
        TreeMap<Integer, Shape> transp = new TreeMap<>(), seg = new TreeMap<>();
        for (Map.Entry<String, NamedTensor> e : tensors.entrySet()) {
            String k = e.getKey();
            Shape s = e.getValue().shape();
            Matcher m;
            if ((m = ENCODER_CONV.matcher(k)).matches()) {
                enc.computeIfAbsent(Integer.parseInt(m.group(1)), x -> new TreeMap<>())
                        .put(Integer.parseInt(m.group(2)), s);
            } else if ((m = DECODER_CONV.matcher(k)).matches()) {
                dec.computeIfAbsent(Integer.parseInt(m.group(1)), x -> new TreeMap<>())
                        .put(Integer.parseInt(m.group(2)), s);
            } else if ((m = TRANSPCONV.matcher(k)).matches()) {
                transp.put(Integer.parseInt(m.group(1)), s);
            } else if ((m = SEG_LAYER.matcher(k)).matches()) {
                seg.put(Integer.parseInt(m.group(1)), s);
            }
        }
        int n = enc.size();
        if (n < 2)
            throw new FormatException(
                    file, "does not hold a PlainConvUNet state_dict (found " + n + " encoder stages)");
        if (dec.size() != n - 1 || transp.size() != n - 1 || seg.size() != n - 1) {
            throw new FormatException(
                    file,
                    "has " + n + " encoder stages but " + dec.size() + " decoder stages, " + transp.size()
                            + " transposed convolutions and " + seg.size() + " heads (expected " + (n - 1) + " each)");
        }
        int[] features = new int[n], encConvs = new int[n], decConvs = new int[n - 1];
        int[][] kernels = new int[n][], strides = new int[n][];
        for (int s = 0; s < n; s++) {
            TreeMap<Integer, Shape> convs = enc.get(s);
            if (convs == null || convs.firstKey() != 0 || convs.lastKey() != convs.size() - 1) {
                throw new FormatException(file, "encoder stage " + s + " has missing convolutions");
            }
            Shape first = convs.get(0);
            features[s] = first.dim(0);
            kernels[s] = spatial(first);
            encConvs[s] = convs.size();
            strides[s] = s == 0 ? new int[] {1, 1, 1} : null;
        }
        for (int i = 0; i < n - 1; i++) {
            Shape t = transp.get(i);
            strides[n - 1 - i] = spatial(t);
            decConvs[i] = dec.get(i).size();
        }
        int inputChannels = enc.get(0).get(0).dim(1);
        int classes = seg.get(0).dim(0);
        try {
            return new UNetPlan(inputChannels, classes, features, kernels, strides, encConvs, decConvs);
        } catch (IllegalArgumentException ex) {
            throw new FormatException(file, "inconsistent network shapes: " + ex.getMessage());
        }
    }
}
