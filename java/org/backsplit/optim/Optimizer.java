package org.backsplit.optim;

import java.util.List;
import java.util.Map;
import org.backsplit.nn.Parameter;
import org.backsplit.tensor.Tensor;

/** Updates parameters from their gradients; parameters without a gradient are skipped, as in PyTorch. */
public interface Optimizer {

    void step(List<Parameter> params, double lr);

    /** The optimizer's tensors by parameter name and kind (e.g. "momentum_buffer"), for checkpoints. */
    Map<String, Tensor> stateTensors();

    /** Steps taken so far (Adam's t; SGD uses it to know whether buffers exist). */
    long steps();

    /** Restores state saved by {@link #stateTensors()} and {@link #steps()}. */
    void restore(Map<String, Tensor> tensors, long steps);

    String kind();
}
