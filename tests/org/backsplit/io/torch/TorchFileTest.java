package org.backsplit.io.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.backsplit.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PyTorch files read as data only: what a checkpoint holds comes back, anything that would run code is refused. */
class TorchFileTest {
    static final Path NNUNET = Path.of("tests/resources/nnunet");
    static final Path CHECKPOINT =
            NNUNET.resolve("Dataset901_Tiny/nnUNetTrainer__nnUNetPlans__3d_fullres/fold_0/checkpoint_final.pth");

    @TempDir
    Path dir;

    @Test
    void readsAnNnUNetCheckpointAsTorchSavedIt() throws Exception {
        Map<?, ?> c = assertInstanceOf(Map.class, TorchFile.read(CHECKPOINT));
        assertEquals(2L, c.get("current_epoch"));
        assertEquals(0.42, (Double) c.get("_best_ema"), 0); // a numpy float64
        assertEquals("nnUNetTrainer", c.get("trainer_name"));
        assertEquals(PyTuple.of(0L, 1L, 2L), c.get("inference_allowed_mirroring_axes"));
        Map<?, ?> init = assertInstanceOf(Map.class, c.get("init_args"));
        assertEquals("cuda:0", init.get("device")); // torch.device, read as its name
        assertEquals("3d_fullres", init.get("configuration"));
        Map<?, ?> logging = assertInstanceOf(Map.class, c.get("logging"));
        assertEquals(List.of(0.41, 0.52), logging.get("mean_fg_dice"));
        Map<?, ?> weights = assertInstanceOf(Map.class, c.get("network_weights"));
        TorchTensor w = assertInstanceOf(TorchTensor.class, weights.get("encoder.stages.0.0.convs.0.conv.weight"));
        assertArrayEquals(new int[] {4, 2, 3, 3, 3}, w.shape());
        // the alias shares the storage: the same values
        assertArrayEquals(
                w.values(), ((TorchTensor) weights.get("encoder.stages.0.0.convs.0.all_modules.0.weight")).values());
        Map<?, ?> optimizer = assertInstanceOf(Map.class, c.get("optimizer_state"));
        assertTrue(((Map<?, ?>) optimizer.get("state")).size() > 0); // momentum buffers, keyed by integers
    }

    @Test
    void refusesAFileWhosePickleWouldRunACommand() {
        // made by torch.save with an object whose __reduce__ is os.system (tests/fixtures/make_nnunet_model_fixture.py)
        FormatException e = assertThrows(FormatException.class, () -> TorchFile.read(NNUNET.resolve("evil.pth")));
        assertTrue(e.getMessage().contains("evil.pth"), e.getMessage());
        assertTrue(e.getMessage().contains("refuses the Python global 'posix.system'"), e.getMessage());
        assertFalse(Files.exists(Path.of("/tmp/backsplit_evil_pth_was_loaded")));
    }

    @Test
    void refusesEveryOtherWayOfNamingCode() throws Exception {
        // GLOBAL builtins.eval, as protocol 2 writes it
        expectRefusal(
                pickle(p -> p.global("builtins", "eval")
                        .unicode("print(1)")
                        .op(0x85)
                        .op('R')),
                "builtins.eval");
        // STACK_GLOBAL, as protocol 4 writes it
        expectRefusal(
                pickle(p -> p.unicode("subprocess")
                        .unicode("run")
                        .op(0x93)
                        .unicode("ls")
                        .op(0x85)
                        .op('R')),
                "subprocess.run");
        // an allowed name used to reach another: torch._utils is allowed only for its two rebuild functions
        expectRefusal(
                pickle(p -> p.global("torch._utils", "_rebuild_from_type_v2")), "torch._utils._rebuild_from_type_v2");
        // INST and OBJ build instances of any class: never needed, refused as opcodes
        Path inst = writeZip("inst.pth", pickle(p -> p.op(0x28).inst("os", "system")), null);
        FormatException e = assertThrows(FormatException.class, () -> TorchFile.read(inst));
        assertTrue(e.getMessage().contains("opcode 0x69"), e.getMessage());
    }

    @Test
    void aTruncatedFileIsAnErrorNamingIt() throws Exception {
        byte[] all = Files.readAllBytes(CHECKPOINT);
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> TorchFile.read(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not a complete PyTorch zip file"), e.getMessage());

        // a whole zip whose pickle stops half way
        Path shortPickle = rewrite(
                CHECKPOINT,
                "short.pth",
                (name, bytes) -> name.endsWith("data.pkl") ? Arrays.copyOf(bytes, bytes.length / 2) : bytes);
        e = assertThrows(FormatException.class, () -> TorchFile.read(shortPickle));
        assertTrue(e.getMessage().contains("ends early"), e.getMessage());
    }

    @Test
    void aTensorLargerThanItsStorageIsAnError() throws Exception {
        // storage '0' of 2 floats, a tensor of size (4,) over it
        byte[] pkl = pickle(p -> p.global("torch._utils", "_rebuild_tensor_v2")
                .op('(')
                .op('(')
                .unicode("storage")
                .global("torch", "FloatStorage")
                .unicode("0")
                .unicode("cpu")
                .integer(2)
                .op('t')
                .op('Q')
                .integer(0)
                .integer(4)
                .op(0x85)
                .integer(1)
                .op(0x85)
                .op(0x89)
                .global("collections", "OrderedDict")
                .op(')')
                .op('R')
                .op('t')
                .op('R'));
        Path file = writeZip("big.pth", pkl, new float[] {1, 2});
        FormatException e = assertThrows(FormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().contains("tensor of size [4]"), e.getMessage());
        assertTrue(e.getMessage().contains("holds only 2"), e.getMessage());

        // a storage with fewer bytes than the pickle says it has values
        Path shortStorage = rewrite(
                CHECKPOINT,
                "shortstorage.pth",
                (name, bytes) -> name.endsWith("/data/0") ? Arrays.copyOf(bytes, bytes.length - 4) : bytes);
        e = assertThrows(FormatException.class, () -> TorchFile.read(shortStorage));
        assertTrue(e.getMessage().contains("storage '0' holds"), e.getMessage());
    }

    @Test
    void legacyFormatIsNamedWithTheWayOut() throws Exception {
        Path legacy = write("legacy.pth", new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        FormatException e = assertThrows(FormatException.class, () -> TorchFile.read(legacy));
        assertTrue(e.getMessage().contains("legacy format"), e.getMessage());
    }

    @Test
    void whatWeWriteReadsBackTheSame() throws Exception {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("weights", Map.of("w", TorchTensor.float32(new int[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-8f, -7
        })));
        root.put("ints", new ArrayList<>(List.of(0L, 255L, 256L, -1L, 1L << 40)));
        root.put("floats", List.of(0.5, -1e300));
        root.put("tuple", PyTuple.of("a", true, false));
        root.put("none", null);
        root.put("text", "ü → ∞");
        Path file = dir.resolve("round.pth");
        TorchFile.write(file, root);
        Map<?, ?> back = assertInstanceOf(Map.class, TorchFile.read(file));
        assertEquals(root.keySet(), back.keySet());
        assertEquals(root.get("ints"), back.get("ints"));
        assertEquals(root.get("floats"), back.get("floats"));
        assertEquals(root.get("tuple"), back.get("tuple"));
        assertNull(back.get("none"));
        assertEquals("ü → ∞", back.get("text"));
        assertEquals(((Map<?, ?>) root.get("weights")).get("w"), ((Map<?, ?>) back.get("weights")).get("w"));
        try (ZipFile z = new ZipFile(file.toFile())) { // records stored, not deflated, as torch.save writes them
            z.stream().forEach(en -> assertEquals(ZipEntry.STORED, en.getMethod(), en.getName()));
        }
    }

    private void expectRefusal(byte[] pkl, String global) throws Exception {
        Path file = writeZip("bad.pth", pkl, null);
        FormatException e = assertThrows(FormatException.class, () -> TorchFile.read(file));
        assertTrue(e.getMessage().contains("refuses the Python global '" + global + "'"), e.getMessage());
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path writeZip(String name, byte[] pkl, float[] storage) throws Exception {
        Path p = dir.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pkl);
            if (storage != null) {
                z.putNextEntry(new ZipEntry("archive/data/0"));
                ByteBuffer b = ByteBuffer.allocate(4 * storage.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(storage);
                z.write(b.array());
            }
        }
        return p;
    }

    interface EntryEdit {
        byte[] edit(String name, byte[] bytes);
    }

    private Path rewrite(Path source, String name, EntryEdit edit) throws Exception {
        Path p = dir.resolve(name);
        try (ZipFile in = new ZipFile(source.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(p))) {
            for (ZipEntry e : in.stream().toList()) {
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(edit.edit(e.getName(), in.getInputStream(e).readAllBytes()));
            }
        }
        return p;
    }

    private static byte[] pickle(UnaryOperator<PickleBytes> body) {
        PickleBytes p = new PickleBytes();
        p.op(0x80).op(2);
        return body.apply(p).op('.').bytes();
    }

    /** Hand-written pickle opcodes, for files no honest writer would make. */
    static final class PickleBytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        PickleBytes op(int code) {
            out.write(code);
            return this;
        }

        PickleBytes global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        PickleBytes inst(String module, String name) {
            out.write('i');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        PickleBytes unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array());
            out.writeBytes(b);
            return this;
        }

        PickleBytes integer(int v) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(v)
                    .array());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
