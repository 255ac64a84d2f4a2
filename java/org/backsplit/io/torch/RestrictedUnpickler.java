package org.backsplit.io.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.backsplit.io.FormatException;

/**
 * Reads a Python pickle as data, never as code. A pickle names the callables that rebuild its objects; Python's own
 * unpickler imports and calls them, which is how a model file can run any command. This reader knows a fixed set of
 * names, those a PyTorch state dict or an nnU-Net checkpoint needs (tensor rebuilding and storages, OrderedDict,
 * torch.device and torch.Size, numpy's scalar and dtype, the latin-1 codec protocol 2 uses for bytes), and builds each
 * as a plain Java value itself. Any other name is refused before anything is built.
 *
 * <p>Values: dict and OrderedDict → {@link LinkedHashMap}, list → {@link ArrayList}, tuple → {@link PyTuple}, str →
 * String, bytes → byte[], int → Long or BigInteger, float → Double, bool → Boolean, None → null, tensor →
 * {@link TorchTensor}, numpy scalar → Double or Long, torch.device → its string ("cuda:0").
 */
public final class RestrictedUnpickler {

    /** Storage bytes by key, for the tensors of a PyTorch zip file (the pickle's persistent ids). */
    @FunctionalInterface
    public interface StorageSource {
        byte[] bytes(String key) throws java.io.IOException;
    }

    private static final Object MARK = new Object();
    private static final Set<String> STORAGES = Set.of(
            "FloatStorage",
            "HalfStorage",
            "BFloat16Storage",
            "DoubleStorage",
            "LongStorage",
            "IntStorage",
            "ShortStorage",
            "CharStorage",
            "ByteStorage",
            "BoolStorage");
    private static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch.device",
            "torch.Size",
            "numpy.core.multiarray.scalar",
            "numpy._core.multiarray.scalar",
            "numpy.dtype",
            "_codecs.encode");

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A numpy dtype being rebuilt: its type code ("f8") and, once BUILD gives it, its byte order. */
    private static final class NumpyDtype {
        final String code;
        String order = "<";

        NumpyDtype(String code) {
            this.code = code;
        }
    }

    private final Path file;
    private final ByteBuffer in;
    private final StorageSource storages;
    private final Map<String, float[]> storageCache = new HashMap<>();
    private final Map<String, String> storageTypes = new HashMap<>();
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(Path file, byte[] pickle, StorageSource storages) {
        this.file = file;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        this.storages = storages;
    }

    /**
     * The object a pickle holds. `file` names the source in errors; `storages` gives the tensors' bytes (null for a
     * pickle without tensors).
     */
    public static Object load(Path file, byte[] pickle, StorageSource storages) throws FormatException {
        try {
            return new RestrictedUnpickler(file, pickle, storages).run();
        } catch (java.nio.BufferUnderflowException e) {
            throw new FormatException(file, "its pickle ends early (the file is truncated or damaged)");
        } catch (FormatException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new FormatException(file, e.getMessage());
        } catch (RuntimeException e) {
            throw new FormatException(file, "its pickle is malformed: " + e);
        }
    }

    private Object run() throws java.io.IOException {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME: a length hint
                case '.' -> {
                    if (stack.size() != 1)
                        throw error("its pickle stops with " + stack.size() + " objects on the stack");
                    return stack.get(0);
                }
                case '(' -> push(MARK);
                case '0' -> pop();
                case '1' -> popToMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) in.getInt());
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 0x8a -> push(littleEndianInteger(bytes(in.get() & 0xff)));
                case 0x8b -> push(littleEndianInteger(bytes(length(in.getInt()))));
                case 'I', 'L' -> push(textInteger(line()));
                case 'G' ->
                    push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'F' -> push(Double.parseDouble(line()));
                case 'X' -> push(utf8(bytes(length(in.getInt()))));
                case 0x8c -> push(utf8(bytes(in.get() & 0xff)));
                case 0x8d -> push(utf8(bytes(length(in.getLong()))));
                case 'T' -> push(new String(bytes(length(in.getInt())), StandardCharsets.ISO_8859_1));
                case 'U' -> push(new String(bytes(in.get() & 0xff), StandardCharsets.ISO_8859_1));
                case 'B' -> push(bytes(length(in.getInt())));
                case 'C' -> push(bytes(in.get() & 0xff));
                case 0x8e -> push(bytes(length(in.getLong())));
                case '}' -> push(new LinkedHashMap<Object, Object>());
                case ']' -> push(new ArrayList<Object>());
                case ')' -> push(new PyTuple(List.of()));
                case 0x8f -> push(new LinkedHashSet<Object>());
                case 'd' -> push(dictOf(popToMark()));
                case 'l' -> push(new ArrayList<>(popToMark()));
                case 't' -> push(new PyTuple(popToMark()));
                case 0x85 -> push(PyTuple.of(pop()));
                case 0x86 -> {
                    Object b = pop(), a = pop();
                    push(PyTuple.of(a, b));
                }
                case 0x87 -> {
                    Object c = pop(), b = pop(), a = pop();
                    push(PyTuple.of(a, b, c));
                }
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    list(peek()).addAll(items);
                }
                case 's' -> {
                    Object v = pop(), k = pop();
                    dict(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    dict(peek()).putAll(dictOf(items));
                }
                case 0x90 -> {
                    List<Object> items = popToMark();
                    set(peek()).addAll(items);
                }
                case 0x91 -> push(Set.copyOf(popToMark()));
                case 'p' -> memo.put(Long.parseLong(line()), peek());
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'g' -> push(recall(Long.parseLong(line())));
                case 'h' -> push(recall(in.get() & 0xff));
                case 'j' -> push(recall(in.getInt() & 0xffffffffL));
                case 'c' -> push(global(line(), line()));
                case 0x93 -> {
                    Object name = pop(), module = pop();
                    push(global(string(module), string(name)));
                }
                case 'R' -> {
                    Object args = pop(), callable = pop();
                    push(call(callable, tuple(args)));
                }
                case 0x81 -> {
                    Object args = pop(), cls = pop();
                    push(call(cls, tuple(args)));
                }
                case 'b' -> {
                    Object state = pop();
                    build(peek(), state);
                }
                case 'Q' -> push(persistent(pop()));
                default ->
                    throw error(String.format(
                            "its pickle uses opcode 0x%02x at byte %d, which a state dict never needs; refused",
                            op, in.position() - 1));
            }
        }
    }

    private Global global(String module, String name) throws FormatException {
        Global g = new Global(module, name);
        String q = g.qualified();
        boolean storage = module.equals("torch") && STORAGES.contains(name);
        if (!storage && !ALLOWED.contains(q) && !(module.equals("torch") && isDtypeName(name))) {
            throw error("refuses the Python global '" + q + "': a model file may hold only tensors, numbers, strings"
                    + " and containers, and loading this one with torch.load would call '" + q
                    + "' (it may run code). Nothing was loaded.");
        }
        return g;
    }

    private static boolean isDtypeName(String name) {
        return Set.of("float32", "float16", "bfloat16", "float64", "int64", "int32", "uint8", "bool")
                .contains(name);
    }

    private Object call(Object callable, PyTuple args) throws java.io.IOException {
        if (!(callable instanceof Global g)) throw error("its pickle calls something that is not a known global");
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                if (args.size() != 0)
                    throw error("builds an OrderedDict from arguments, which a state dict never does");
                return new LinkedHashMap<Object, Object>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                return rebuildTensor(args);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (!(args.get(0) instanceof TorchTensor t)) throw error("rebuilds a parameter from a non-tensor");
                return t;
            }
            case "torch.device" -> {
                StringBuilder s = new StringBuilder(string(args.get(0)));
                if (args.size() > 1 && args.get(1) != null) s.append(':').append(args.get(1));
                return s.toString();
            }
            case "torch.Size" -> {
                return tuple(args.get(0));
            }
            case "_codecs.encode" -> {
                if (args.size() != 2 || !"latin1".equals(args.get(1)))
                    throw error("encodes bytes other than as latin1, which pickles of bytes never do");
                return string(args.get(0)).getBytes(StandardCharsets.ISO_8859_1);
            }
            case "numpy.dtype" -> {
                return new NumpyDtype(string(args.get(0)));
            }
            case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar" -> {
                return numpyScalar(args);
            }
            default -> throw error("calls '" + g.qualified() + "', which is not a constructor it knows");
        }
    }

    private void build(Object target, Object state) throws FormatException {
        if (target instanceof NumpyDtype d && state instanceof PyTuple t && t.size() > 1) {
            d.order = string(t.get(1));
        } else if (target instanceof Map<?, ?> && state instanceof Map<?, ?>) {
            // an OrderedDict's attributes, not its items (a state dict's _metadata: module versions): read past
        } else {
            throw error("its pickle sets the state of a " + describe(target) + ", which a state dict never does");
        }
    }

    private Object numpyScalar(PyTuple args) throws FormatException {
        if (!(args.get(0) instanceof NumpyDtype d) || !(args.get(1) instanceof byte[] raw))
            throw error("holds a numpy scalar without a dtype and bytes");
        ByteBuffer b = ByteBuffer.wrap(raw).order(d.order.equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        return switch (d.code) {
            case "f8" -> b.getDouble();
            case "f4" -> (double) b.getFloat();
            case "i8" -> b.getLong();
            case "i4" -> (long) b.getInt();
            case "b1" -> raw[0] != 0;
            default -> throw error("holds a numpy scalar of dtype '" + d.code + "', which it does not read");
        };
    }

    private Object persistent(Object pid) throws java.io.IOException {
        PyTuple t = tuple(pid);
        if (t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global type))
            throw error("holds a persistent id that is not a tensor storage: " + describe(pid));
        String key = string(t.get(2));
        String dtype = type.name().replace("Storage", "");
        if (storages == null) throw error("refers to tensor storage '" + key + "' but has no storages beside it");
        float[] values = storageCache.get(key);
        if (values == null) {
            values = decode(dtype, storages.bytes(key), key);
            storageCache.put(key, values);
            storageTypes.put(key, dtype);
        }
        long numel = ((Number) t.get(4)).longValue();
        if (values.length != numel)
            throw error("storage '" + key + "' holds " + values.length + " values where the pickle says " + numel);
        return new Storage(key, dtype, values);
    }

    private record Storage(String key, String dtype, float[] values) {}

    private TorchTensor rebuildTensor(PyTuple args) throws FormatException {
        if (args.size() < 4 || !(args.get(0) instanceof Storage s)) throw error("rebuilds a tensor without a storage");
        long offset = ((Number) args.get(1)).longValue();
        PyTuple size = tuple(args.get(2)), stride = tuple(args.get(3));
        int rank = size.size();
        if (stride.size() != rank) throw error("a tensor's size and stride have different ranks");
        int[] shape = new int[rank];
        long[] strides = new long[rank];
        long numel = 1, last = offset;
        for (int a = 0; a < rank; a++) {
            long d = ((Number) size.get(a)).longValue();
            if (d < 0 || d > Integer.MAX_VALUE) throw error("a tensor has dimension " + d);
            shape[a] = (int) d;
            strides[a] = ((Number) stride.get(a)).longValue();
            numel *= d;
            if (d > 0) last += (d - 1) * strides[a];
        }
        if (numel > 0 && (offset < 0 || last >= s.values().length)) {
            throw error("tensor of size " + java.util.Arrays.toString(shape) + " at offset " + offset
                    + " reaches value " + last + " of storage '" + s.key() + "', which holds only "
                    + s.values().length);
        }
        float[] out = new float[Math.toIntExact(numel)];
        int[] index = new int[rank];
        for (int i = 0; i < out.length; i++) {
            long src = offset;
            for (int a = 0; a < rank; a++) src += index[a] * strides[a];
            out[i] = s.values()[(int) src];
            for (int a = rank - 1; a >= 0; a--) {
                if (++index[a] < shape[a]) break;
                index[a] = 0;
            }
        }
        return new TorchTensor(s.dtype(), shape, out);
    }

    private float[] decode(String dtype, byte[] raw, String key) throws FormatException {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int width = switch (dtype) {
            case "Float", "Int" -> 4;
            case "Half", "BFloat16", "Short" -> 2;
            case "Double", "Long" -> 8;
            default -> 1;
        };
        if (raw.length % width != 0)
            throw error("storage '" + key + "' has " + raw.length + " bytes, not a whole number of " + dtype);
        float[] v = new float[raw.length / width];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (dtype) {
                case "Float" -> b.getFloat();
                case "Half" -> Float.float16ToFloat(b.getShort());
                case "BFloat16" -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                case "Double" -> (float) b.getDouble();
                case "Long" -> (float) b.getLong();
                case "Int" -> (float) b.getInt();
                case "Short" -> (float) b.getShort();
                case "Char" -> (float) b.get();
                default -> (float) (b.get() & 0xff); // Byte, Bool
            };
        }
        return v;
    }

    private Map<Object, Object> dictOf(List<Object> items) throws FormatException {
        if (items.size() % 2 != 0) throw error("its pickle has a dict with an odd number of keys and values");
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
        return m;
    }

    private static Object littleEndianInteger(byte[] b) {
        if (b.length == 0) return 0L;
        byte[] big = new byte[b.length];
        for (int i = 0; i < b.length; i++) big[i] = b[b.length - 1 - i];
        BigInteger v = new BigInteger(big);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static Object textInteger(String s) {
        if (s.equals("01")) return Boolean.TRUE;
        if (s.equals("00")) return Boolean.FALSE;
        if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
        BigInteger v = new BigInteger(s);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private int length(long n) throws FormatException {
        if (n < 0 || n > in.remaining()) throw error("its pickle ends early (the file is truncated or damaged)");
        return (int) n;
    }

    private String line() throws FormatException {
        StringBuilder s = new StringBuilder();
        for (byte c; (c = in.get()) != '\n'; ) s.append((char) (c & 0xff));
        return s.toString();
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object recall(long key) throws FormatException {
        if (!memo.containsKey(key)) throw error("its pickle recalls memo entry " + key + ", which was never stored");
        return memo.get(key);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws FormatException {
        if (stack.isEmpty()) throw error("its pickle pops an empty stack");
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) throw error("its pickle pops a mark as a value");
        return o;
    }

    private Object peek() throws FormatException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) throw error("its pickle reads an empty stack");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() throws FormatException {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) throw error("its pickle has no mark where one is needed");
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws FormatException {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw error("its pickle appends to a " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws FormatException {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw error("its pickle sets an item of a " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) throws FormatException {
        if (o instanceof Set<?> s) return (Set<Object>) s;
        throw error("its pickle adds to a " + describe(o));
    }

    private PyTuple tuple(Object o) throws FormatException {
        if (o instanceof PyTuple t) return t;
        throw error("its pickle expects a tuple, not a " + describe(o));
    }

    private String string(Object o) throws FormatException {
        if (o instanceof String s) return s;
        throw error("its pickle expects a string, not a " + describe(o));
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private FormatException error(String problem) {
        return new FormatException(file, problem);
    }
}
