package org.backsplit.io.torch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes plain values as a protocol-2 pickle, as torch.save does: dicts as OrderedDicts (a state dict's type), lists,
 * tuples, strings, numbers, booleans, None, and tensors as persistent storage references whose bytes the caller stores
 * beside the pickle. The inverse of {@link RestrictedUnpickler} for the values it returns.
 */
final class Pickler {
    /** Where a tensor's float32 bytes go: the storage key it was given. */
    interface StorageSink {
        String store(TorchTensor t);
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final StorageSink storages;

    private Pickler(StorageSink storages) {
        this.storages = storages;
    }

    static byte[] dump(Object root, StorageSink storages) {
        Pickler p = new Pickler(storages);
        p.out.write(0x80);
        p.out.write(2);
        p.value(root);
        p.out.write('.');
        return p.out.toByteArray();
    }

    private void value(Object v) {
        switch (v) {
            case null -> out.write('N');
            case Boolean b -> out.write(b ? 0x88 : 0x89);
            case Integer i -> integer(i);
            case Long l -> integer(l);
            case Float f -> real(f);
            case Double d -> real(d);
            case String s -> string(s);
            case TorchTensor t -> tensor(t);
            case PyTuple t -> tuple(t.items());
            case List<?> l -> {
                out.write(']');
                if (!l.isEmpty()) {
                    out.write('(');
                    for (Object o : l) value(o);
                    out.write('e');
                }
            }
            case Map<?, ?> m -> {
                global("collections", "OrderedDict");
                out.write(')');
                out.write('R');
                if (!m.isEmpty()) {
                    out.write('(');
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        value(e.getKey());
                        value(e.getValue());
                    }
                    out.write('u');
                }
            }
            default ->
                throw new IllegalArgumentException(
                        "cannot pickle a " + v.getClass().getName());
        }
    }

    private void integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) v)
                    .array());
        } else {
            out.write(0x8a);
            out.write(8);
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
        }
    }

    private void real(double v) {
        out.write('G');
        out.writeBytes(
                ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array());
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(b.length)
                .array());
        out.writeBytes(b);
    }

    private void tuple(List<Object> items) {
        out.write('(');
        for (Object o : items) value(o);
        out.write('t');
    }

    private void global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** _rebuild_tensor_v2(storage, 0, size, contiguous stride, False, OrderedDict()), the storage by reference. */
    private void tensor(TorchTensor t) {
        if (!t.dtype().equals("Float")) throw new IllegalArgumentException("only float32 tensors are written");
        String key = storages.store(t);
        global("torch._utils", "_rebuild_tensor_v2");
        out.write('(');
        out.write('(');
        string("storage");
        global("torch", "FloatStorage");
        string(key);
        string("cpu");
        integer(t.values().length);
        out.write('t');
        out.write('Q');
        integer(0);
        int[] shape = t.shape();
        long[] stride = new long[shape.length];
        long s = 1;
        for (int a = shape.length - 1; a >= 0; a--) {
            stride[a] = s;
            s *= shape[a];
        }
        out.write('(');
        for (int d : shape) integer(d);
        out.write('t');
        out.write('(');
        for (long d : stride) integer(d);
        out.write('t');
        out.write(0x89);
        global("collections", "OrderedDict");
        out.write(')');
        out.write('R');
        out.write('t');
        out.write('R');
    }
}
