package org.backsplit.nn;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;

/** nnU-Net's StackedConvBlocks: n ConvNormAct blocks, the first carrying the stride; named prefix + "convs.j.". */
public final class StackedConvBlocks implements Layer {
    private final List<ConvNormAct> blocks = new ArrayList<>();
    /** Outputs of all but the last block: ours to close, after the backward of the block that made them. */
    private final List<Tensor> inner = new ArrayList<>();

    public StackedConvBlocks(Backend backend, String prefix, int count, int in, int out, int[] kernel, int[] firstStride,
                             boolean needsInputGrad) {
        int[] one = {1, 1, 1};
        for (int j = 0; j < count; j++) {
            blocks.add(new ConvNormAct(backend, prefix + "convs." + j + ".", j == 0 ? in : out, out, kernel,
                    j == 0 ? firstStride : one, j > 0 || needsInputGrad));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        inner.clear();
        for (int j = 0; j < blocks.size(); j++) {
            x = blocks.get(j).forward(x);
            if (j < blocks.size() - 1) inner.add(x);
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor incoming = dy;
        for (int j = blocks.size() - 1; j >= 0; j--) {
            Tensor dx = blocks.get(j).backward(dy);
            if (dy != incoming) dy.close();
            if (j < blocks.size() - 1) inner.get(j).close();
            dy = dx;
        }
        inner.clear();
        return dy;
    }

    @Override
    public void collect(List<Parameter> out) {
        for (ConvNormAct b : blocks) b.collect(out);
    }
}
