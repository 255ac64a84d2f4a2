package org.backsplit.backend;

import org.backsplit.tensor.Tensor;

/** Gradients of a convolution's weight and bias (bias null when the layer has none). */
public record WeightGrads(Tensor weight, Tensor bias) {}
