package org.backsplit.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.tensor.Shape;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
 * byte range, then the raw little-endian data. We write F32; we read F32, F64, F16, BF16 and I64 (converted to float),
 * which covers what PyTorch exports.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** The tensors of a file, in header order, and its string metadata. */
    public record Contents(Map<String, NamedTensor> tensors, Map<String, String> metadata) {}

    public static void write(Path path, List<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (NamedTensor t : tensors) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", "F32");
            var shape = e.putArray("shape");
            for (int d : t.shape().dims()) shape.add(d);
            long bytes = 4L * t.data().length;
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = headerBytes(header);
        AtomicFiles.write(path, tmp -> {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                ByteBuffer len =
                        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
                out.write(len.array());
                out.write(json);
                ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (NamedTensor t : tensors) {
                    for (float v : t.data()) {
                        if (buf.remaining() < 4) {
                            out.write(buf.array(), 0, buf.position());
                            buf.clear();
                        }
                        buf.putFloat(v);
                    }
                }
                out.write(buf.array(), 0, buf.position());
            }
        });
    }

    /** The JSON header padded with spaces so the data starts 8-byte aligned. */
    private static byte[] headerBytes(ObjectNode header) throws JsonProcessingException {
        byte[] raw = JSON.writeValueAsBytes(header);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(raw, 0, out, 0, raw.length);
        for (int i = raw.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    public static Contents read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FormatException(path, "no such file");
        byte[] all = Files.readAllBytes(path);
        if (all.length < 8)
            throw new FormatException(path, "too short for a safetensors file (" + all.length + " bytes)");
        long headerLen =
                ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > all.length) {
            throw new FormatException(
                    path,
                    "header length " + headerLen + " does not fit a file of " + all.length
                            + " bytes (truncated or not safetensors)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new FormatException(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) throw new FormatException(path, "header is not a JSON object");
        long dataStart = 8 + headerLen, dataLen = all.length - dataStart;
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : header.properties()) {
            if (f.getKey().equals("__metadata__")) {
                for (Map.Entry<String, JsonNode> m : f.getValue().properties())
                    metadata.put(m.getKey(), m.getValue().asText());
                continue;
            }
            tensors.put(f.getKey(), readTensor(path, f.getKey(), f.getValue(), all, dataStart, dataLen));
        }
        return new Contents(tensors, metadata);
    }

    private static NamedTensor readTensor(Path path, String name, JsonNode e, byte[] all, long dataStart, long dataLen)
            throws FormatException {
        String dtype = e.path("dtype").asText("");
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F64", "I64" -> 8;
            case "F16", "BF16" -> 2;
            default ->
                throw new FormatException(
                        path, "tensor " + name + " has dtype '" + dtype + "'; supported: F32, F64, F16, BF16, I64");
        };
        JsonNode shapeNode = e.path("shape"), offsets = e.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new FormatException(path, "tensor " + name + " lacks a shape or data_offsets");
        }
        List<Integer> dims = new ArrayList<>();
        for (JsonNode d : shapeNode) dims.add(d.asInt(-1));
        Shape shape;
        try {
            shape = new Shape(dims.stream().mapToInt(Integer::intValue).toArray());
        } catch (IllegalArgumentException ex) {
            throw new FormatException(path, "tensor " + name + " has an invalid shape " + dims);
        }
        long begin = offsets.get(0).asLong(-1), end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw new FormatException(
                    path,
                    "tensor " + name + " has byte range [" + begin + ", " + end + ") outside the " + dataLen
                            + " data bytes (truncated file?)");
        }
        if (end - begin != shape.numel() * width) {
            throw new FormatException(
                    path, "tensor " + name + ": " + (end - begin) + " bytes for shape " + shape + " of " + dtype);
        }
        ByteBuffer b = ByteBuffer.wrap(all, (int) (dataStart + begin), (int) (end - begin))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (dtype) {
                case "F32" -> b.getFloat();
                case "F64" -> (float) b.getDouble();
                case "I64" -> (float) b.getLong(); // index buffers (MONAI's relative_position_index)
                case "F16" -> Float.float16ToFloat(b.getShort());
                default -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
            };
        }
        return new NamedTensor(name, shape, v);
    }
}
