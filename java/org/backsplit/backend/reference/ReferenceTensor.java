package org.backsplit.backend.reference;

import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** A tensor of the reference backend: double storage, so finite differences are exact to ~1e-10. */
final class ReferenceTensor extends Tensor {
    private final double[] data;

    ReferenceTensor(Shape shape, double[] data) {
        super(shape);
        if (data.length != shape.size()) throw new IllegalArgumentException(data.length + " values for shape " + shape);
        this.data = data;
    }

    double[] data() {
        requireOpen(); // the garbage collector frees the array; a closed tensor is still refused
        return data;
    }
}
