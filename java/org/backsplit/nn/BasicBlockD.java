package org.backsplit.nn;

import java.util.Arrays;
import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;

/**
 * dynamic_network_architectures' BasicBlockD: conv1 (conv, norm, LeakyReLU) carrying the stride, conv2 (conv, norm),
 * plus the skip, then LeakyReLU. The skip pools by the stride (average, kernel = stride) when strided, then projects by
 * a 1x1x1 conv without bias and a norm when the width changes; it is the identity when neither. Names: prefix +
 * "skip.0.{conv,norm}" for a projection alone, "skip.1.{conv,norm}" after a pool (the pool is skip.0 and has no
 * parameters).
 */
final class BasicBlockD implements Layer {
    private final Backend backend;
    private final ConvNormAct conv1;
    private final ConvNormAct conv2;
    private final int[] pool; // null: no pooling in the skip
    private final ConvNormAct projection; // null: no projection
    private Tensor input, hidden, branch, pooled, projected, out;

    BasicBlockD(
            Backend backend,
            String prefix,
            int in,
            int outChannels,
            int[] kernel,
            int[] stride,
            boolean convBias,
            TorchLayout layout) {
        this.backend = backend;
        this.conv1 = new ConvNormAct(
                backend, prefix + "conv1.", in, outChannels, kernel, stride, convBias, true, layout, true);
        this.conv2 = new ConvNormAct(
                backend,
                prefix + "conv2.",
                outChannels,
                outChannels,
                kernel,
                new int[] {1, 1, 1},
                convBias,
                false,
                layout,
                true);
        boolean strided = Arrays.stream(stride).anyMatch(s -> s != 1);
        this.pool = strided ? stride.clone() : null;
        this.projection = in != outChannels
                ? new ConvNormAct(
                        backend,
                        prefix + "skip." + (strided ? 1 : 0) + ".",
                        in,
                        outChannels,
                        new int[] {1, 1, 1},
                        new int[] {1, 1, 1},
                        false,
                        false,
                        layout,
                        true)
                : null;
    }

    /**
     * nnU-Net's init_last_bn_before_add_to_0: the residual branch starts as zero, each block as (almost) the identity.
     */
    void zeroLastNorm() {
        conv2.zeroNorm();
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        hidden = conv1.forward(x);
        branch = conv2.forward(hidden);
        Tensor skip = x;
        if (pool != null) skip = pooled = backend.avgPool3d(x, pool);
        if (projection != null) skip = projected = projection.forward(skip);
        Tensor sum = backend.add(branch, skip);
        out = backend.leakyRelu(sum, ConvNormAct.SLOPE);
        sum.close();
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dSum = backend.leakyReluBackward(dy, out, ConvNormAct.SLOPE);
        Tensor dHidden = conv2.backward(dSum);
        branch.close();
        Tensor dx = conv1.backward(dHidden);
        dHidden.close();
        hidden.close();
        Tensor dSkip = dSum;
        if (projection != null) {
            dSkip = projection.backward(dSum);
            projected.close();
        }
        if (pool != null) {
            Tensor unpooled = backend.avgPool3dBackward(dSkip, pool, input.shape());
            if (dSkip != dSum) dSkip.close();
            pooled.close();
            dSkip = unpooled;
        }
        Tensor total = backend.add(dx, dSkip);
        dx.close();
        if (dSkip != dSum) dSkip.close();
        dSum.close();
        input = hidden = branch = pooled = projected = out = null;
        return total;
    }

    @Override
    public void collect(List<Parameter> out) {
        conv1.collect(out);
        conv2.collect(out);
        if (projection != null) projection.collect(out);
    }
}
