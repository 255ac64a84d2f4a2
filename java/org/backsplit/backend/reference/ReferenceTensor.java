package org.backsplit.backend.reference;

import org.backsplit.backend.Backend;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** A tensor of the reference backend: double storage, so finite differences are exact to ~1e-10. */
final class ReferenceTensor extends Tensor {
    final double[] data;
    private final ReferenceBackend backend;

    ReferenceTensor(ReferenceBackend backend, Shape shape, double[] data) {
        super(shape);
        if (data.length != shape.size()) throw new IllegalArgumentException(data.length + " values for shape " + shape);
        this.backend = backend;
        this.data = data;
    }

    @Override
    public Backend backend() {
        return backend;
    }
}
