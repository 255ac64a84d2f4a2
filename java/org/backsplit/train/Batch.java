package org.backsplit.train;

import org.backsplit.tensor.Tensor;

/** One training batch: images [N, D, H, W, C] and labels [N, D, H, W, 1] on the training backend. */
public record Batch(Tensor images, Tensor labels) {}
