package org.backsplit.backend;

import java.util.Arrays;
import org.backsplit.tensor.Shape;

/**
 * Kernel, stride and padding of a 3D convolution, per axis (D, H, W). Padding is (k-1)/2 as nnU-Net uses, so a stride-1
 * convolution keeps the spatial size and a stride-2 one halves it (rounding up).
 */
public record ConvGeometry(int[] kernel, int[] stride, int[] padding) {

    public ConvGeometry {
        if (kernel.length != 3 || stride.length != 3 || padding.length != 3) {
            throw new IllegalArgumentException("kernel, stride and padding need 3 entries each");
        }
        kernel = kernel.clone();
        stride = stride.clone();
        padding = padding.clone();
        for (int a = 0; a < 3; a++) {
            if (kernel[a] < 1 || stride[a] < 1 || padding[a] < 0) {
                throw new IllegalArgumentException("bad convolution geometry " + Arrays.toString(kernel) + " stride "
                        + Arrays.toString(stride) + " padding " + Arrays.toString(padding));
            }
        }
    }

    /** nnU-Net's convolution: padding (k-1)/2 on each axis. */
    public static ConvGeometry same(int[] kernel, int[] stride) {
        int[] pad = new int[3];
        for (int a = 0; a < 3; a++) pad[a] = (kernel[a] - 1) / 2;
        return new ConvGeometry(kernel, stride, pad);
    }

    public int taps() {
        return kernel[0] * kernel[1] * kernel[2];
    }

    public int outSize(int axis, int in) {
        return (in + 2 * padding[axis] - kernel[axis]) / stride[axis] + 1;
    }

    /** The output shape of a convolution of x ([N,D,H,W,C]) with k output channels. */
    public Shape outShape(Shape x, int k) {
        return Shape.ndhwc(x.n(), outSize(0, x.d()), outSize(1, x.h()), outSize(2, x.w()), k);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvGeometry g
                && Arrays.equals(kernel, g.kernel)
                && Arrays.equals(stride, g.stride)
                && Arrays.equals(padding, g.padding);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 31 * 31 + Arrays.hashCode(stride) * 31 + Arrays.hashCode(padding);
    }

    @Override
    public String toString() {
        return "k" + Arrays.toString(kernel) + " s" + Arrays.toString(stride) + " p" + Arrays.toString(padding);
    }
}
