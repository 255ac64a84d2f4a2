package org.backsplit.nn;

import java.util.List;
import org.backsplit.tensor.Tensor;

/**
 * A differentiable block: forward keeps what its backward needs; backward takes dL/d(output), sets its
 * parameters' gradients and returns dL/d(input). One forward, then at most one backward.
 */
public interface Layer {

    Tensor forward(Tensor x);

    Tensor backward(Tensor dy);

    /** Adds this layer's parameters to out, in state_dict order. */
    void collect(List<Parameter> out);
}
