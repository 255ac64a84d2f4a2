package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Layer-norm gradients: input, scale and shift (scale and shift null for a layer norm without them). */
public record LayerNormGrads(Tensor dx, Tensor dgamma, Tensor dbeta) {}
