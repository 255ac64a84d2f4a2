package org.backsplit.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.io.FormatException;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.torch.PyTuple;
import org.backsplit.io.torch.TorchFile;
import org.backsplit.io.torch.TorchTensor;
import org.backsplit.tensor.Shape;

/**
 * What nnU-Net's predictor reads from a fold's checkpoint_final.pth (or checkpoint_best.pth): the network weights, the
 * trainer's name, the configuration it trained, and the axes it allows mirroring along at inference. The file is read
 * as data only ({@link TorchFile}); the optimizer state, logging and the rest are read past.
 *
 * @param mirrorAxes nnU-Net's inference_allowed_mirroring_axes (spatial array axes, 0 = the first after the channel),
 *     empty for none, null when the checkpoint does not say
 */
public record NnUNetCheckpoint(
        Path file,
        Map<String, NamedTensor> weights,
        String trainerName,
        String configuration,
        List<Integer> mirrorAxes) {

    public static NnUNetCheckpoint read(Path file) throws IOException {
        Object root = TorchFile.read(file);
        if (!(root instanceof Map<?, ?> m))
            throw new FormatException(file, "holds a " + kind(root) + ", not an nnU-Net checkpoint dict");
        Object weights = m.get("network_weights");
        if (!(weights instanceof Map<?, ?> w))
            throw new FormatException(
                    file,
                    "has no 'network_weights' state dict: not an nnU-Net checkpoint" + " (its keys: " + m.keySet()
                            + ")");
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : w.entrySet()) {
            if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof TorchTensor t))
                throw new FormatException(file, "network_weights holds a non-tensor entry " + e.getKey());
            tensors.put(key, new NamedTensor(key, new Shape(t.shape()), t.values()));
        }
        String trainer = m.get("trainer_name") instanceof String s ? s : null;
        String configuration = null;
        if (m.get("init_args") instanceof Map<?, ?> init && init.get("configuration") instanceof String c)
            configuration = c;
        List<Integer> axes = null;
        Object mirror = m.get("inference_allowed_mirroring_axes");
        if (mirror instanceof PyTuple t) axes = ints(file, t.items());
        else if (mirror instanceof List<?> l) axes = ints(file, l);
        return new NnUNetCheckpoint(file, tensors, trainer, configuration, axes);
    }

    private static List<Integer> ints(Path file, List<?> items) throws FormatException {
        List<Integer> out = new java.util.ArrayList<>();
        for (Object o : items) {
            if (!(o instanceof Long l)) throw new FormatException(file, "inference_allowed_mirroring_axes holds " + o);
            out.add(l.intValue());
        }
        return out;
    }

    private static String kind(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
