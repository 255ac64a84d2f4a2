package org.backsplit.data.nifti;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;

/**
 * Reads NIfTI-1 and NIfTI-2 images (.nii and .nii.gz, either byte order) and writes NIfTI-1 (NIfTI-2 when a dimension
 * does not fit 16 bits). No maintained Java library for this is served on Maven Central, so it is ours; the header
 * layouts are the standard's (nifti1.h, nifti2.h). Every error names the file.
 */
public final class Nifti {
    private static final int HEADER1 = 348;
    private static final int HEADER2 = 540;

    private Nifti() {}

    public static NiftiImage read(Path path) throws IOException {
        ByteBuffer b = ordered(path, readAll(path));
        NiftiHeader h = parse(path, b);
        return new NiftiImage(h.dims(), h.datatype(), values(path, b, h), h.geometry());
    }

    /** One case's channel files (one image per channel), checked to share one grid; an error names the odd file. */
    public static java.util.List<NiftiImage> readChannels(java.util.List<Path> files) throws IOException {
        if (files.isEmpty()) throw new IllegalArgumentException("no channel files given");
        java.util.List<NiftiImage> out = new java.util.ArrayList<>();
        for (Path f : files) {
            NiftiImage image = read(f);
            if (!out.isEmpty()
                    && !java.util.Arrays.equals(image.dims(), out.get(0).dims())) {
                throw new IllegalArgumentException(
                        f + ": its grid " + java.util.Arrays.toString(image.dims()) + " differs from " + files.get(0)
                                + "'s " + java.util.Arrays.toString(out.get(0).dims()));
            }
            out.add(image);
        }
        return out;
    }

    /**
     * The header alone: reads (and for .nii.gz decompresses) only its first bytes, whatever the image's size; a header
     * may describe more voxels than one array holds.
     */
    public static NiftiHeader readHeader(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FormatException(path, "no such file");
        byte[] head;
        try (InputStream raw = Files.newInputStream(path);
                InputStream in = path.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            head = in.readNBytes(HEADER2);
        } catch (ZipException | EOFException e) {
            throw new FormatException(path, "corrupt or truncated gzip stream (" + e.getMessage() + ")");
        }
        return parse(path, ordered(path, head));
    }

    /** The bytes in the header's byte order (told by the header size field). */
    private static ByteBuffer ordered(Path path, byte[] bytes) throws FormatException {
        if (bytes.length < 4)
            throw new FormatException(path, "too short for a NIfTI header (" + bytes.length + " bytes)");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.getInt(0);
        if (size != HEADER1 && size != HEADER2) b.order(ByteOrder.BIG_ENDIAN);
        return b;
    }

    private static NiftiHeader parse(Path path, ByteBuffer b) throws FormatException {
        int size = b.getInt(0);
        if (size == HEADER1) return header1(path, b);
        if (size == HEADER2) return header2(path, b);
        throw new FormatException(path, "not a NIfTI file (header size field is neither 348 nor 540)");
    }

    private static byte[] readAll(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new FormatException(path, "no such file");
        if (!path.getFileName().toString().endsWith(".gz")) return Files.readAllBytes(path);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path), 1 << 16)) {
            return in.readAllBytes();
        } catch (ZipException | EOFException e) {
            throw new FormatException(path, "corrupt or truncated gzip stream (" + e.getMessage() + ")");
        }
    }

    private static NiftiHeader header1(Path path, ByteBuffer b) throws FormatException {
        need(path, b, HEADER1);
        String magic = ascii(b, 344, 4);
        if (!magic.startsWith("n+1") && !magic.startsWith("ni1"))
            throw new FormatException(path, "bad NIfTI-1 magic '" + magic + "'");
        if (magic.startsWith("ni1"))
            throw new FormatException(path, "a two-file (.hdr/.img) NIfTI pair; convert it to a single .nii");
        int[] dims = dims(path, b.getShort(40), i -> b.getShort(40 + 2 * i));
        NiftiDatatype type = type(path, b.getShort(70));
        double[] pixdim = new double[8];
        for (int i = 0; i < 8; i++) pixdim[i] = b.getFloat(76 + 4 * i);
        long offset = (long) b.getFloat(108);
        double slope = b.getFloat(112), inter = b.getFloat(116);
        double[][] srow = new double[3][4];
        for (int r = 0; r < 3; r++) for (int j = 0; j < 4; j++) srow[r][j] = b.getFloat(280 + 16 * r + 4 * j);
        NiftiGeometry g = new NiftiGeometry(
                pixdim,
                b.getShort(252),
                b.getShort(254),
                new double[] {b.getFloat(256), b.getFloat(260), b.getFloat(264)},
                new double[] {b.getFloat(268), b.getFloat(272), b.getFloat(276)},
                srow,
                b.get(123) & 0xff);
        return new NiftiHeader(dims, type, g, Math.max(offset, HEADER1), slope, inter);
    }

    private static NiftiHeader header2(Path path, ByteBuffer b) throws FormatException {
        need(path, b, HEADER2);
        String magic = ascii(b, 4, 3);
        if (!magic.equals("n+2")) throw new FormatException(path, "bad NIfTI-2 magic '" + magic + "'");
        long n = b.getLong(16);
        int[] dims = dims(path, n, i -> b.getLong(16 + 8 * i));
        NiftiDatatype type = type(path, b.getShort(12));
        double[] pixdim = new double[8];
        for (int i = 0; i < 8; i++) pixdim[i] = b.getDouble(104 + 8 * i);
        long offset = b.getLong(168);
        double slope = b.getDouble(176), inter = b.getDouble(184);
        double[][] srow = new double[3][4];
        for (int r = 0; r < 3; r++) for (int j = 0; j < 4; j++) srow[r][j] = b.getDouble(400 + 32 * r + 8 * j);
        NiftiGeometry g = new NiftiGeometry(
                pixdim,
                b.getInt(344),
                b.getInt(348),
                new double[] {b.getDouble(352), b.getDouble(360), b.getDouble(368)},
                new double[] {b.getDouble(376), b.getDouble(384), b.getDouble(392)},
                srow,
                b.getInt(500));
        return new NiftiHeader(dims, type, g, Math.max(offset, HEADER2), slope, inter);
    }

    private interface Dim {
        long at(int i);
    }

    private static int[] dims(Path path, long count, Dim dim) throws FormatException {
        if (count < 1 || count > 7) throw new FormatException(path, "dim[0] = " + count + " (must be 1..7)");
        int[] d = new int[(int) count];
        for (int i = 0; i < count; i++) {
            long v = dim.at(i + 1);
            if (v < 1 || v > Integer.MAX_VALUE) throw new FormatException(path, "dim[" + (i + 1) + "] = " + v);
            d[i] = (int) v;
        }
        return d;
    }

    private static NiftiDatatype type(Path path, int code) throws FormatException {
        NiftiDatatype t = NiftiDatatype.of(code);
        if (t == null) {
            throw new FormatException(
                    path,
                    "datatype code " + code
                            + " is not supported (uint8, int8, int16, uint16, int32, float32, float64 are)");
        }
        return t;
    }

    private static float[] values(Path path, ByteBuffer b, NiftiHeader h) throws FormatException {
        long n = h.voxels(), offset = h.voxelOffset();
        NiftiDatatype type = h.datatype();
        double slope = h.slope(), inter = h.inter();
        if (n > Integer.MAX_VALUE - 8)
            throw new FormatException(path, "too many voxels (" + n + ") for one array: crop or split the image");
        long end = offset + n * type.bytes;
        if (end > b.capacity()) {
            throw new FormatException(
                    path,
                    "truncated: the header promises " + n + " " + type.label() + " voxels from byte " + offset + " ("
                            + end + " bytes) but the image has " + b.capacity());
        }
        // nibabel: a slope of 0 or a non-finite slope means "no scaling"; a finite slope with a bad intercept is an
        // error
        boolean scaled = slope != 0 && Double.isFinite(slope);
        if (scaled && !Double.isFinite(inter))
            throw new FormatException(path, "valid scl_slope but invalid scl_inter " + inter);
        float[] v = new float[(int) n];
        int p = (int) offset;
        for (int i = 0; i < v.length; i++, p += type.bytes) {
            double raw = switch (type) {
                case UINT8 -> b.get(p) & 0xff;
                case INT8 -> b.get(p);
                case INT16 -> b.getShort(p);
                case UINT16 -> b.getShort(p) & 0xffff;
                case INT32 -> b.getInt(p);
                case FLOAT32 -> b.getFloat(p);
                case FLOAT64 -> b.getDouble(p);
            };
            v[i] = (float) (scaled ? raw * slope + inter : raw);
        }
        return v;
    }

    private static void need(Path path, ByteBuffer b, int bytes) throws FormatException {
        if (b.capacity() < bytes)
            throw new FormatException(path, "truncated header (" + b.capacity() + " of " + bytes + " bytes)");
    }

    private static String ascii(ByteBuffer b, int at, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            byte c = b.get(at + i);
            if (c == 0) break;
            s.append((char) c);
        }
        return s.toString();
    }

    /**
     * Writes `data` (x fastest) with the dimensions and geometry of `like` and the given datatype, atomically; `.gz` in
     * the name compresses. Values are rounded (integers) or stored as they are, never scaled.
     */
    public static void write(Path path, NiftiImage like, float[] data, NiftiDatatype type) throws IOException {
        int[] dims = like.dims();
        long n = 1;
        for (int d : dims) n *= d;
        if (n != data.length)
            throw new IllegalArgumentException(
                    path + ": " + data.length + " values for dims " + java.util.Arrays.toString(dims));
        boolean two = false;
        for (int d : dims) two |= d > Short.MAX_VALUE;
        ByteBuffer h = two ? header2(dims, type, like.header()) : header1(dims, type, like.header());
        ByteBuffer body = ByteBuffer.allocate((int) (n * type.bytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            switch (type) {
                case UINT8 -> body.put((byte) clamp(f, 0, 255));
                case INT8 -> body.put((byte) clamp(f, -128, 127));
                case INT16 -> body.putShort((short) clamp(f, Short.MIN_VALUE, Short.MAX_VALUE));
                case UINT16 -> body.putShort((short) clamp(f, 0, 65535));
                case INT32 -> body.putInt((int) clamp(f, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case FLOAT32 -> body.putFloat(f);
                case FLOAT64 -> body.putDouble(f);
            }
        }
        boolean gz = path.getFileName().toString().endsWith(".gz");
        AtomicFiles.write(path, tmp -> {
            try (OutputStream raw = Files.newOutputStream(tmp);
                    OutputStream out =
                            gz ? new GZIPOutputStream(raw, 1 << 16) : new java.io.BufferedOutputStream(raw, 1 << 16)) {
                out.write(h.array());
                out.write(body.array());
            }
        });
    }

    private static long clamp(float f, long lo, long hi) {
        long r = Math.round((double) f);
        return Math.max(lo, Math.min(hi, r));
    }

    private static ByteBuffer header1(int[] dims, NiftiDatatype type, NiftiGeometry g) {
        ByteBuffer b = ByteBuffer.allocate(352).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, HEADER1);
        b.putShort(40, (short) dims.length);
        for (int i = 0; i < 7; i++) b.putShort(42 + 2 * i, (short) (i < dims.length ? dims[i] : 1));
        b.putShort(70, (short) type.code);
        b.putShort(72, (short) (8 * type.bytes));
        double[] pix = g.pixdim();
        b.putFloat(76, pix[0] < 0 ? -1f : 1f);
        for (int i = 1; i < 8; i++) b.putFloat(76 + 4 * i, i <= dims.length ? (float) pix[i] : 1f);
        b.putFloat(108, 352f);
        b.putFloat(112, 1f); // scl_slope
        b.putFloat(116, 0f);
        b.put(123, (byte) g.xyztUnits());
        b.putShort(252, (short) g.qformCode());
        b.putShort(254, (short) g.sformCode());
        for (int i = 0; i < 3; i++) {
            b.putFloat(256 + 4 * i, (float) g.quatern()[i]);
            b.putFloat(268 + 4 * i, (float) g.qoffset()[i]);
        }
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 4; j++) b.putFloat(280 + 16 * r + 4 * j, (float) g.srow()[r][j]);
        b.put(344, (byte) 'n').put(345, (byte) '+').put(346, (byte) '1');
        return b;
    }

    private static ByteBuffer header2(int[] dims, NiftiDatatype type, NiftiGeometry g) {
        ByteBuffer b = ByteBuffer.allocate(544).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, HEADER2);
        byte[] magic = {'n', '+', '2', 0, '\r', '\n', 0x1a, '\n'};
        for (int i = 0; i < 8; i++) b.put(4 + i, magic[i]);
        b.putShort(12, (short) type.code);
        b.putShort(14, (short) (8 * type.bytes));
        b.putLong(16, dims.length);
        for (int i = 0; i < 7; i++) b.putLong(24 + 8 * i, i < dims.length ? dims[i] : 1);
        double[] pix = g.pixdim();
        b.putDouble(104, pix[0] < 0 ? -1 : 1);
        for (int i = 1; i < 8; i++) b.putDouble(104 + 8 * i, i <= dims.length ? pix[i] : 1);
        b.putLong(168, 544);
        b.putDouble(176, 1);
        b.putInt(344, g.qformCode());
        b.putInt(348, g.sformCode());
        for (int i = 0; i < 3; i++) {
            b.putDouble(352 + 8 * i, g.quatern()[i]);
            b.putDouble(376 + 8 * i, g.qoffset()[i]);
        }
        for (int r = 0; r < 3; r++) for (int j = 0; j < 4; j++) b.putDouble(400 + 32 * r + 8 * j, g.srow()[r][j]);
        b.putInt(500, g.xyztUnits());
        return b;
    }
}
