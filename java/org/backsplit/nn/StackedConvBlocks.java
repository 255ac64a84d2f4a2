package org.backsplit.nn;

import java.util.ArrayList;
import java.util.List;
import org.backsplit.backend.Backend;

/** nnU-Net's StackedConvBlocks: n ConvNormAct blocks, the first carrying the stride; named prefix + "convs.j.". */
final class StackedConvBlocks {
    private StackedConvBlocks() {}

    static Sequential of(
            Backend backend,
            String prefix,
            int count,
            int in,
            int out,
            int[] kernel,
            int[] firstStride,
            TorchLayout layout,
            boolean needsInputGrad) {
        List<ConvNormAct> blocks = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            blocks.add(new ConvNormAct(
                    backend,
                    prefix + "convs." + j + ".",
                    j == 0 ? in : out,
                    out,
                    kernel,
                    j == 0 ? firstStride : new int[] {1, 1, 1},
                    true,
                    true,
                    layout,
                    j > 0 || needsInputGrad));
        }
        return new Sequential(blocks);
    }
}
