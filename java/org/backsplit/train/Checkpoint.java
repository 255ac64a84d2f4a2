package org.backsplit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.backsplit.backend.Backend;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.SafeTensors;
import org.backsplit.nn.Architecture;
import org.backsplit.nn.SegmentationNetwork;
import org.backsplit.nn.StateDict;
import org.backsplit.nn.SwinUNETR;
import org.backsplit.nn.UNetPlan;
import org.backsplit.tensor.Tensor;

/**
 * A checkpoint is a folder: model.safetensors (the network as a PyTorch state_dict with nnU-Net's names),
 * optimizer.safetensors (momentum buffers or Adam moments by parameter name) and state.json. The folder is written
 * beside its target and swapped in by renames, so a kill at any moment leaves either the old or the new checkpoint
 * readable (the old one under NAME.old for the instant between the two renames). checksums.json records every file's
 * SHA-256 when it is written; each file is checked against it when read, so a flipped or missing byte is an error
 * naming the file, never a silently different network.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";
    public static final String CHECKSUMS = "checksums.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {}

    /**
     * Writes the checkpoint folder atomically. `extraFiles` (name -> text) travel inside it, so what a caller keeps
     * beside the weights (a training history) can never disagree with them after a kill.
     */
    public static void save(
            Path dir,
            SegmentationNetwork net,
            Map<String, Tensor> optimizerState,
            CheckpointState state,
            Map<String, String> extraFiles)
            throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + dir.getFileName() + ".tmp-" + UUID.randomUUID());
        Path old = parent.resolve(dir.getFileName() + ".old");
        try {
            Files.createDirectories(tmp);
            StateDict.save(net, tmp.resolve(MODEL), Map.of("format", "pt", "architecture", state.architecture()));
            List<NamedTensor> opt = new ArrayList<>();
            optimizerState.forEach((k, t) ->
                    opt.add(new NamedTensor(k, t.shape(), net.backend().download(t))));
            SafeTensors.write(tmp.resolve(OPTIMIZER), opt, Map.of());
            AtomicFiles.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state));
            for (Map.Entry<String, String> e : extraFiles.entrySet())
                AtomicFiles.writeString(tmp.resolve(e.getKey()), e.getValue());
            Map<String, String> sums = new java.util.TreeMap<>();
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path f : files.toList()) sums.put(f.getFileName().toString(), sha256(f));
            }
            AtomicFiles.writeString(tmp.resolve(CHECKSUMS), JSON.writeValueAsString(sums));
            deleteTree(old);
            if (Files.exists(dir)) AtomicFiles.move(dir, old);
            AtomicFiles.move(tmp, dir);
            deleteTree(old);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The folder to read: the checkpoint, or its .old twin if a kill fell between the two renames. */
    public static Path resolve(Path dir) throws FormatException {
        if (Files.isRegularFile(dir.resolve(STATE))) return dir;
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        if (Files.isRegularFile(old.resolve(STATE))) return old;
        throw new FormatException(dir, "is not a checkpoint folder (no " + STATE + ")");
    }

    public static CheckpointState readState(Path dir) throws IOException {
        Path file = verified(dir, STATE);
        CheckpointState s;
        try {
            s = JSON.readValue(file.toFile(), CheckpointState.class);
        } catch (IOException e) {
            throw new FormatException(file, "cannot be read: " + e.getMessage());
        }
        if (!CheckpointState.FORMAT.equals(s.format()) && !CheckpointState.UNCHECKED_FORMAT.equals(s.format()))
            throw new FormatException(file, "has format " + s.format() + ", expected " + CheckpointState.FORMAT);
        return s;
    }

    /**
     * The file `name` of the checkpoint `dir`, checked against the SHA-256 recorded when it was written. A checkpoint
     * from before checksums were recorded (format backsplit-checkpoint/1) is read unchecked.
     */
    public static Path verified(Path dir, String name) throws IOException {
        Path root = resolve(dir);
        Path file = root.resolve(name), sumsFile = root.resolve(CHECKSUMS);
        if (!Files.isRegularFile(sumsFile)) {
            if (recordedFormat(root).equals(CheckpointState.UNCHECKED_FORMAT)) return file;
            throw new FormatException(
                    sumsFile, "is missing: the checkpoint cannot be verified (damaged or incomplete)");
        }
        Map<String, String> sums;
        try {
            sums = JSON.readValue(
                    sumsFile.toFile(), new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        } catch (IOException e) {
            throw new FormatException(sumsFile, "cannot be read: " + e.getMessage());
        }
        String expected = sums.get(name);
        if (expected == null) throw new FormatException(file, "has no checksum recorded in " + CHECKSUMS);
        if (!Files.isRegularFile(file)) throw new FormatException(file, "is missing from its checkpoint");
        String actual = sha256(file);
        if (!expected.equals(actual)) {
            throw new FormatException(
                    file,
                    "is damaged: its SHA-256 is " + actual + ", not the " + expected + " recorded when it was written");
        }
        return file;
    }

    /** Checks every file the checkpoint records (what --continue does before choosing it). */
    public static void verify(Path dir) throws IOException {
        Path root = resolve(dir);
        readState(root);
        if (!Files.isRegularFile(root.resolve(CHECKSUMS))) return; // an unchecked (older) checkpoint
        Map<String, String> sums = JSON.readValue(
                root.resolve(CHECKSUMS).toFile(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {});
        for (String name : sums.keySet()) verified(root, name);
    }

    private static String recordedFormat(Path root) throws IOException {
        try {
            return JSON.readTree(root.resolve(STATE).toFile()).path("format").asText("");
        } catch (IOException e) {
            throw new FormatException(root.resolve(STATE), "cannot be read: " + e.getMessage());
        }
    }

    static String sha256(Path file) throws IOException {
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) digest.update(buf, 0, n);
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    /** A file saved with the checkpoint by {@link #save}, or empty if it has none of that name. */
    public static java.util.Optional<String> readExtra(Path dir, String name) throws IOException {
        Path file = resolve(dir).resolve(name);
        return Files.isRegularFile(file)
                ? java.util.Optional.of(Files.readString(verified(dir, name)))
                : java.util.Optional.empty();
    }

    public static Map<String, Tensor> readOptimizer(Path dir, Backend backend) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (NamedTensor t :
                SafeTensors.read(verified(dir, OPTIMIZER)).tensors().values()) {
            out.put(t.name(), backend.upload(t.data(), t.shape()));
        }
        return out;
    }

    /**
     * The network of a checkpoint folder (its architecture and plan from state.json), or of a bare .safetensors
     * state_dict exported from PyTorch: nnU-Net's PlainConvUNet, 3D or 2D, or MONAI's SwinUNETR (the plan rebuilt from
     * the weights' shapes).
     */
    public static SegmentationNetwork loadNetwork(Path path, Backend backend) throws IOException {
        Path weights;
        UNetPlan plan;
        Map<String, NamedTensor> tensors;
        Architecture architecture;
        if (Files.isDirectory(path) || Files.isDirectory(path.resolveSibling(path.getFileName() + ".old"))) {
            weights = verified(path, MODEL);
            CheckpointState state = readState(path);
            plan = state.plan();
            try {
                architecture = Architecture.ofCheckpointName(state.architecture());
            } catch (IllegalArgumentException e) {
                throw new FormatException(resolve(path).resolve(STATE), e.getMessage());
            }
            tensors = SafeTensors.read(weights).tensors();
        } else {
            weights = path;
            tensors = SafeTensors.read(weights).tensors();
            if (SwinUNETR.isItsStateDict(tensors)) {
                plan = SwinUNETR.inferPlan(tensors, weights);
                architecture = Architecture.SWINUNETR;
            } else {
                plan = StateDict.inferPlan(tensors, weights);
                architecture = StateDict.isPlanar(tensors) ? Architecture.UNET2D : Architecture.UNET;
            }
        }
        SegmentationNetwork net = architecture.build(backend, plan);
        StateDict.load(net, tensors, weights);
        return net;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
