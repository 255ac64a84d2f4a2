package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/**
 * Group-norm output and the statistics the backward pass needs: mean and rstd [N, C], repeated over a group's channels.
 */
public record GroupNormOutput(Tensor y, Tensor mean, Tensor rstd) {}
