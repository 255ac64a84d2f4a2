package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Window-attention gradients: the packed queries, keys and values, and the bias (summed over the windows). */
public record AttentionGrads(Tensor dqkv, Tensor dbias) {}
