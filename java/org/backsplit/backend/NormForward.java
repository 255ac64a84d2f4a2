package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Instance-norm output and the per-(sample, channel) statistics the backward pass needs, [N, C] each. */
public record NormForward(Tensor y, Tensor mean, Tensor rstd) {
}
