package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Group-norm gradients: input, scale and shift. */
public record GroupNormGrads(Tensor dx, Tensor dgamma, Tensor dbeta) {}
