package org.backsplit.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.backsplit.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileFormatTest {

    @Test
    void safetensorsRoundTripWithMetadataAndAlignedHeader(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.safetensors");
        NamedTensor a = new NamedTensor("w", new Shape(2, 3), new float[] {1, 2, 3, 4, 5, -6.5f});
        NamedTensor b = new NamedTensor("b", new Shape(1), new float[] {Float.MIN_VALUE});
        SafeTensors.write(f, List.of(a, b), Map.of("format", "pt"));
        byte[] raw = Files.readAllBytes(f);
        long headerLen =
                ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "data starts 8-byte aligned");
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(List.of("w", "b"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(a.data(), c.tensors().get("w").data());
        assertEquals(new Shape(2, 3), c.tensors().get("w").shape());
        assertArrayEquals(b.data(), c.tensors().get("b").data());
        assertEquals("pt", c.metadata().get("format"));
    }

    @Test
    void safetensorsReadsOtherDtypesAndRejectsBadFiles(@TempDir Path dir) throws Exception {
        String header =
                "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"d\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]}}";
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length() + 6).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length()).put(header.getBytes(StandardCharsets.UTF_8));
        buf.putShort(Float.floatToFloat16(1.5f))
                .putShort(Float.floatToFloat16(-2f))
                .putShort((short) (Float.floatToIntBits(3f) >>> 16));
        Path f = dir.resolve("h.safetensors");
        Files.write(f, buf.array());
        SafeTensors.Contents c = SafeTensors.read(f);
        assertArrayEquals(new float[] {1.5f, -2f}, c.tensors().get("h").data());
        assertArrayEquals(new float[] {3f}, c.tensors().get("d").data());

        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, java.util.Arrays.copyOf(buf.array(), buf.capacity() - 3));
        FormatException e = assertThrows(FormatException.class, () -> SafeTensors.read(bad));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("outside"), e.getMessage());
        Files.write(bad, "{\"not\":\"a header length\"}".getBytes(StandardCharsets.UTF_8));
        e = assertThrows(FormatException.class, () -> SafeTensors.read(bad));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void npyRoundTripAndErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.npy");
        float[] v = new float[2 * 3 * 4];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 3;
        Npy.write(f, new Shape(2, 3, 4), v);
        byte[] raw = Files.readAllBytes(f);
        int headerLen =
                ByteBuffer.wrap(raw, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + headerLen) % 64, "numpy pads the header to 64 bytes");
        NamedTensor t = Npy.read(f);
        assertEquals(new Shape(2, 3, 4), t.shape());
        assertArrayEquals(v, t.data());
        Npy.write(f, new Shape(5), new float[5]);
        assertEquals(new Shape(5), Npy.read(f).shape());
        Files.write(f, java.util.Arrays.copyOf(raw, raw.length - 4));
        FormatException e = assertThrows(FormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().contains("x.npy") && e.getMessage().contains("data bytes"), e.getMessage());
    }
}
