package org.backsplit.io.torch;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.backsplit.io.AtomicFiles;
import org.backsplit.io.FormatException;

/**
 * PyTorch's file format (torch.save since 1.6, a .pth or .pt): an uncompressed zip whose folder holds data.pkl (the
 * pickled object), data/KEY (each tensor storage's raw little-endian bytes), version and byteorder. Reading goes
 * through {@link RestrictedUnpickler}, so a file is only ever read as data.
 */
public final class TorchFile {
    /** torch.save aligns every record's bytes to 64 so they can be mapped; we write them the same way. */
    private static final int ALIGNMENT = 64;

    private TorchFile() {}

    /** The object saved in a PyTorch file, tensors as {@link TorchTensor}. */
    public static Object read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new FormatException(file, "does not exist or is not a file");
        try (InputStream s = Files.newInputStream(file)) {
            byte[] head = s.readNBytes(2);
            if (head.length == 2 && (head[0] & 0xff) == 0x80) {
                throw new FormatException(
                        file,
                        "is in PyTorch's legacy format (torch.save before 1.6, or _use_new_zipfile_serialization=False);"
                                + " load it in PyTorch and save it again with a current torch.save");
            }
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith("data.pkl") && name.indexOf('/') == name.lastIndexOf('/')) {
                    prefix = name.substring(0, name.length() - "data.pkl".length());
                    break;
                }
            }
            if (prefix == null) throw new FormatException(file, "is a zip but holds no data.pkl: not a PyTorch file");
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String o = new String(zip.getInputStream(order).readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (!o.equals("little"))
                    throw new FormatException(file, "stores tensors " + o + "-endian; only little-endian is read");
            }
            byte[] pickle =
                    zip.getInputStream(zip.getEntry(prefix + "data.pkl")).readAllBytes();
            String dataPrefix = prefix + "data/";
            return RestrictedUnpickler.load(file, pickle, key -> {
                ZipEntry entry = zip.getEntry(dataPrefix + key);
                if (entry == null)
                    throw new FormatException(file, "lacks the storage data/" + key + " its pickle names");
                return zip.getInputStream(entry).readAllBytes();
            });
        } catch (ZipException e) {
            throw new FormatException(
                    file, "is not a complete PyTorch zip file (truncated, damaged, or not a .pth): " + e.getMessage());
        }
    }

    /** Saves `root` (maps, lists, tuples, strings, numbers, float32 tensors) as torch.save would, atomically. */
    public static void write(Path file, Object root) throws IOException {
        String folder = stem(file.getFileName().toString());
        List<TorchTensor> tensors = new ArrayList<>();
        byte[] pickle = Pickler.dump(root, t -> {
            tensors.add(t);
            return Integer.toString(tensors.size() - 1);
        });
        AtomicFiles.write(file, tmp -> {
            try (CountingStream counter = new CountingStream(Files.newOutputStream(tmp));
                    ZipOutputStream zip = new ZipOutputStream(counter)) {
                zip.setMethod(ZipOutputStream.STORED);
                record(zip, counter, folder + "/data.pkl", pickle);
                record(zip, counter, folder + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < tensors.size(); i++) {
                    float[] v = tensors.get(i).values();
                    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(v);
                    record(zip, counter, folder + "/data/" + i, b.array());
                }
                record(zip, counter, folder + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    private static void record(ZipOutputStream zip, CountingStream counter, String name, byte[] data)
            throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(315532800000L + 86_400_000L); // a fixed DOS time: the same weights give the same bytes
        int nameLength = name.getBytes(StandardCharsets.UTF_8).length;
        long dataStart = counter.count + 30 + nameLength + 4; // local header, name, the padding field's header
        int pad = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[4 + pad]; // an unregistered field id ("FB", as PyTorch uses) holding zeros
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >> 8);
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static String stem(String name) {
        int dot = name.indexOf('.');
        String s = dot > 0 ? name.substring(0, dot) : name;
        return s.isEmpty() ? "archive" : s;
    }

    /** Counts the bytes written so far, to place each record's data on the alignment. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
