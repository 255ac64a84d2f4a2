package org.backsplit.nn;

import java.util.List;
import org.backsplit.tensor.Tensor;

/**
 * A differentiable block: forward keeps what its backward needs; backward takes dL/d(output), sets its parameters'
 * gradients and returns dL/d(input). One forward, then at most one backward.
 *
 * <p>Ownership (it matters on a GPU, where a tensor's memory returns to the allocator on close): the caller owns what
 * it passes in and what it gets back. It keeps the input and the output of forward alive until this layer's backward
 * has returned, and closes them afterwards; it closes the gradient it passed to backward and the one it got back once
 * it is done with them. A layer closes only its own temporaries.
 */
public interface Layer {

    Tensor forward(Tensor x);

    Tensor backward(Tensor dy);

    /** Adds this layer's parameters to out, in state_dict order. */
    void collect(List<Parameter> out);
}
