package org.backsplit.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.backsplit.tensor.Shape;

/** NumPy's .npy format: C-order little-endian float32 or float64 arrays (read), float32 (written). */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static NamedTensor read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FormatException(path, "no such file");
        byte[] all = Files.readAllBytes(path);
        if (all.length < 10 || !java.util.Arrays.equals(java.util.Arrays.copyOf(all, 6), MAGIC)) {
            throw new FormatException(path, "not a .npy file (bad magic)");
        }
        int major = all[6];
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen, headerStart;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            headerLen = b.getInt(8);
            headerStart = 12;
        } else {
            throw new FormatException(path, "unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + headerLen > all.length) throw new FormatException(path, "truncated header");
        String header = new String(all, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header), o = ORDER.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find())
            throw new FormatException(path, "header lacks descr, fortran_order or shape: " + header.trim());
        if (o.group(1).equals("True"))
            throw new FormatException(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
        String descr = d.group(1);
        int width = switch (descr) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            default ->
                throw new FormatException(path, "dtype " + descr + " is not supported; use float32 ('<f4') or float64");
        };
        List<Integer> dims = new ArrayList<>();
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) dims.add(Integer.parseInt(part.trim()));
        }
        Shape shape = new Shape(dims.stream().mapToInt(Integer::intValue).toArray());
        int dataStart = headerStart + headerLen;
        long need = shape.numel() * width;
        if (all.length - dataStart != need) {
            throw new FormatException(
                    path, "holds " + (all.length - dataStart) + " data bytes, shape " + shape + " needs " + need);
        }
        b.position(dataStart);
        float[] v = new float[shape.size()];
        for (int i = 0; i < v.length; i++) v[i] = width == 4 ? b.getFloat() : (float) b.getDouble();
        return new NamedTensor(path.getFileName().toString(), shape, v);
    }

    public static void write(Path path, Shape shape, float[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int d : shape.dims()) dims.append(d).append(", ");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
                + (shape.rank() == 1 ? dims.toString().trim() : dims.toString().replaceAll(", $", "")) + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        AtomicFiles.write(path, tmp -> {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                out.write(MAGIC);
                out.write(new byte[] {1, 0});
                out.write(ByteBuffer.allocate(2)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putShort((short) header.length())
                        .array());
                out.write(header.getBytes(StandardCharsets.ISO_8859_1));
                ByteBuffer buf = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(data);
                out.write(buf.array());
            }
        });
    }
}
