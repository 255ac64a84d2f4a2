package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Layer-norm output and what its backward pass needs: the mean and rstd of each row (one value per row). */
public record LayerNormOutput(Tensor y, Tensor mean, Tensor rstd) {}
