package org.backsplit.nn;

import org.backsplit.tensor.Tensor;

/**
 * A trainable tensor with its state_dict name (as nnU-Net's PyTorch module names it), its gradient from the last
 * backward pass, and how its layout differs from PyTorch's.
 */
public final class Parameter {
    private final String name;
    private final TorchLayout layout;
    private Tensor value;
    private Tensor grad;

    public Parameter(String name, Tensor value, TorchLayout layout) {
        this.name = name;
        this.value = value;
        this.layout = layout;
    }

    public String name() {
        return name;
    }

    public TorchLayout layout() {
        return layout;
    }

    public Tensor value() {
        return value;
    }

    /** Replaces the value (loading weights); the shape must stay the same. */
    public void set(Tensor newValue) {
        if (!newValue.shape().equals(value.shape())) {
            throw new IllegalArgumentException(
                    name + ": shape " + newValue.shape() + " where " + value.shape() + " is expected");
        }
        value.close();
        value = newValue;
    }

    public Tensor grad() {
        return grad;
    }

    /** Set by the layer's backward pass; each parameter is used once per forward, so no accumulation. */
    void setGrad(Tensor g) {
        if (grad != null) grad.close();
        grad = g;
    }

    @Override
    public String toString() {
        return name + value.shape();
    }
}
