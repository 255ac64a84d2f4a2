package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Instance-norm gradients: input, scale and shift. */
public record NormGrads(Tensor dx, Tensor dgamma, Tensor dbeta) {
}
