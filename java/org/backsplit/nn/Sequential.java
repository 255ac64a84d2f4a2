package org.backsplit.nn;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.tensor.Tensor;

/**
 * Layers applied in order (nn.Sequential): keeps the intermediate outputs until the backward pass has gone through the
 * layer that consumed them, then closes them. Its parameters are its layers', in order.
 */
public final class Sequential implements Layer {
    private final List<Layer> layers;
    /** Outputs of all but the last layer: ours to close. */
    private final List<Tensor> inner = new ArrayList<>();

    public Sequential(List<? extends Layer> layers) {
        if (layers.isEmpty()) throw new IllegalArgumentException("an empty sequence");
        this.layers = List.copyOf(layers);
    }

    @Override
    public Tensor forward(Tensor x) {
        inner.clear();
        for (int j = 0; j < layers.size(); j++) {
            x = layers.get(j).forward(x);
            if (j < layers.size() - 1) inner.add(x);
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor incoming = dy;
        for (int j = layers.size() - 1; j >= 0; j--) {
            Tensor dx = layers.get(j).backward(dy);
            if (dy != incoming) dy.close();
            if (j < layers.size() - 1) inner.get(j).close();
            dy = dx;
        }
        inner.clear();
        return dy;
    }

    @Override
    public void collect(List<Parameter> out) {
        for (Layer l : layers) l.collect(out);
    }
}
