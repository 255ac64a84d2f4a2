package org.backsplit.backend.cuda;

import org.backsplit.tensor.Shape;

/**
 * The convolution geometry struct of kernels/conv_geometry.cuh, field for field: input N, D, H, W, C; output Z, P, Q,
 * K; kernel, stride and padding per axis.
 */
record Geo(Shape input, Shape output, int[] kernel, int[] stride, int[] padding) {
    /** The struct's 18 ints in declaration order. */
    int[] fields() {
        return new int[] {
            input.n(),
            input.d(),
            input.h(),
            input.w(),
            input.c(),
            output.d(),
            output.h(),
            output.w(),
            output.c(),
            kernel[0],
            kernel[1],
            kernel[2],
            stride[0],
            stride[1],
            stride[2],
            padding[0],
            padding[1],
            padding[2]
        };
    }
}
