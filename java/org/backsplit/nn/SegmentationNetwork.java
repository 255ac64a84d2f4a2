package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.io.NamedTensor;
import org.backsplit.tensor.Tensor;
import org.backsplit.util.Rng;

/**
 * A network that maps [N, D, H, W, channels] images to per-class logits, trained by the same loop whatever its
 * architecture. Layers keep what backward needs between forward and backward (see {@link Layer}).
 */
public interface SegmentationNetwork {

    Architecture architecture();

    /** The topology: widths, kernels, strides and blocks per stage (what the checkpoint records). */
    UNetPlan plan();

    Backend backend();

    /** In PyTorch's state_dict order, with its names. */
    List<Parameter> parameters();

    /**
     * The state_dict's tensors that are not trained (PyTorch buffers: SwinUNETR's relative_position_index), in
     * PyTorch's shapes; a checkpoint must hold them with these values. None for most networks.
     */
    default List<NamedTensor> buffers() {
        return List.of();
    }

    default long parameterCount() {
        long c = 0;
        for (Parameter p : parameters()) c += p.value().shape().numel();
        return c;
    }

    /** The reference implementation's initialisation of every parameter, drawn from rng. */
    void initialize(Rng rng);

    /** The logits of every head, highest resolution first (one head without deep supervision). */
    List<Tensor> forward(Tensor x);

    /** Backpropagates dL/d(logits) per head (null for a head outside the loss) into each parameter's gradient. */
    void backward(List<Tensor> gradLogits);

    /**
     * The features the first head's final 1x1x1 convolution maps to logits ([N, D, H, W, F]) in the last forward: owned
     * by the network, valid until the next forward, backward or {@link #release()}.
     */
    Tensor finalFeatures();

    /** True for the parameters of the layers that produce logits (their rows are classes). */
    boolean isSegmentationHead(Parameter p);

    /** Drops the activations a forward keeps for backward (call after an inference-only forward). */
    void release();
}
