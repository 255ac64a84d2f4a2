package org.backsplit.io.torch;

import java.util.Arrays;

/**
 * A tensor of a PyTorch file, its values widened to float whatever the stored type (float32, float16, bfloat16,
 * float64, and the integer types of optimizer and logging state), row-major (contiguous).
 *
 * @param dtype PyTorch's storage name without "Storage": Float, Half, BFloat16, Double, Long, Int, Short, Char, Byte,
 *     Bool
 */
public record TorchTensor(String dtype, int[] shape, float[] values) {
    public TorchTensor {
        shape = shape.clone();
        long n = 1;
        for (int d : shape) n *= d;
        if (n != values.length)
            throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
    }

    public static TorchTensor float32(int[] shape, float[] values) {
        return new TorchTensor("Float", shape, values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchTensor t
                && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "TorchTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
