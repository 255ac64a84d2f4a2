package org.backsplit.io;

import org.backsplit.tensor.Shape;

/** Host data of one tensor read from or written to a file, row-major. */
public record NamedTensor(String name, Shape shape, float[] data) {
    public NamedTensor {
        if (data.length != shape.numel())
            throw new IllegalArgumentException(name + ": " + data.length + " values for " + shape);
    }
}
