package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/**
 * The output of {@link Backend#windowAttention} ([windows, ..., C]) and the attention probabilities its backward pass
 * reads ([windows, heads, tokens, tokens], after the softmax).
 */
public record AttentionOutput(Tensor out, Tensor probabilities) {}
