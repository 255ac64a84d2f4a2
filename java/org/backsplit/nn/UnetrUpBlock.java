package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;

/**
 * MONAI's UnetrUpBlock: a 2x2x2 transposed convolution without bias (prefix + "transp_conv.conv.weight"), the skip
 * concatenated after it (torch.cat((up, skip), 1)), then a {@link UnetResBlock} from twice the width (prefix +
 * "conv_block.").
 */
final class UnetrUpBlock {
    private final Backend backend;
    private final int channels;
    private final ConvTranspose3d transpConv;
    private final UnetResBlock block;
    private Tensor up;
    private Tensor joined;

    UnetrUpBlock(Backend backend, String prefix, int in, int out) {
        this.backend = backend;
        this.channels = out;
        transpConv = new ConvTranspose3d(
                backend, prefix + "transp_conv.conv.", in, out, new int[] {2, 2, 2}, TorchLayout.CONV_TRANSPOSE, false);
        block = new UnetResBlock(backend, prefix + "conv_block.", 2 * out, out, true);
    }

    Tensor forward(Tensor x, Tensor skip) {
        up = transpConv.forward(x);
        joined = backend.concatChannels(up, skip);
        return block.forward(joined);
    }

    /** The gradients of x and of the skip. */
    Tensor[] backward(Tensor dy) {
        Tensor dJoined = block.backward(dy);
        joined.close();
        up.close();
        Tensor[] parts = backend.splitChannels(dJoined, channels);
        dJoined.close();
        Tensor dx = transpConv.backward(parts[0]);
        parts[0].close();
        up = joined = null;
        return new Tensor[] {dx, parts[1]};
    }

    void release() {
        block.release();
        if (joined != null) joined.close();
        if (up != null) up.close();
        up = joined = null;
    }

    void collect(List<Parameter> out) {
        transpConv.collect(out);
        block.collect(out);
    }
}
