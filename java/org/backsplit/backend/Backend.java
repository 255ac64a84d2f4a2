package org.backsplit.backend;

import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Every operation that training needs, and nothing else. The CPU backend is the fast reference that runs everywhere;
 * the double-precision reference backend is the oracle for gradient checks; a GPU backend implements the same contract.
 *
 * <p>Layouts (all row-major, outermost first):
 *
 * <ul>
 *   <li>activations and labels: [N, D, H, W, C] (labels have C = 1 and hold class indices as floats, as nnU-Net's
 *       targets do);
 *   <li>convolution weights: [K, kd, kh, kw, C] (CUTLASS's KTRSC), bias [K];
 *   <li>transposed-convolution weights (kernel = stride): [Cin, kd, kh, kw, Cout], bias [Cout];
 *   <li>norm scale and shift: [C].
 * </ul>
 *
 * ReLU is {@link #leakyRelu} with slope 0; a residual addition is {@link #add} (its backward passes the gradient to
 * both inputs unchanged). Operations return new tensors and never modify their inputs, except the optimizer steps and
 * {@link #scaleInPlace}, which update their first argument.
 *
 * <p>Each operation family has one name in all its homes (this interface, the reference backend's section, the CPU
 * class, the CUDA launcher, the kernel file and the tests); kernels/README.md is the index of them.
 */
public interface Backend {

    String name();

    /** Waits until every operation issued so far has finished (a no-op for synchronous backends). */
    default void synchronize() {}

    /**
     * Releases what the backend holds beyond its tensors (threads, a device context); no operation may follow. A no-op
     * where there is nothing to release.
     */
    default void close() {}

    /**
     * The most device memory held at once, in bytes (0 where the backend does not track it: host memory is the JVM's).
     */
    default long peakBytesInUse() {
        return 0;
    }

    // ---- storage ----

    Tensor zeros(Shape shape);

    Tensor upload(float[] data, Shape shape);

    float[] download(Tensor t);

    /** Uploads double values; a float32 backend rounds them. Gradient checks use this to stay in double. */
    Tensor uploadExact(double[] data, Shape shape);

    /** Downloads as double, without rounding on a double-precision backend. */
    double[] downloadExact(Tensor t);

    // ---- convolution (padding as in the geometry) ----

    Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g);

    /** The gradient with respect to the input of {@link #conv3d}; xShape is the input's shape. */
    Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xShape);

    /**
     * The input gradient laid out as the input x was: a backend whose concatChannels returns a pair of tensors (CUDA)
     * returns the gradient of such an x as a pair too, which splitChannels hands out without copying. By default, the
     * gradient of x's shape.
     */
    default Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Tensor x) {
        return conv3dBackwardData(dy, weight, g, x.shape());
    }

    /** The gradients with respect to weight and bias (bias gradient null when withBias is false). */
    WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias);

    // ---- transposed convolution with kernel = stride and no padding (nnU-Net's upsampling) ----

    Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] stride);

    Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] stride);

    WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] stride, boolean withBias);

    // ---- group norm (instance norm is groups = C) and LeakyReLU ----

    /**
     * Group norm as torch.nn.GroupNorm computes it: per sample, statistics over D,H,W and the C/groups adjacent
     * channels of each group, biased variance, then a per-channel affine. Instance norm (nnU-Net's InstanceNorm3d) is
     * groups = C. The saved mean and rstd are [N, C], repeated over the channels of a group.
     */
    GroupNormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps);

    GroupNormGrads groupNormBackward(Tensor dy, Tensor x, Tensor gamma, GroupNormOutput saved, int groups);

    /**
     * Group norm followed by LeakyReLU in one pass (nnU-Net's conv block, with groups = C): y is the activation, and
     * the normalised values are never stored.
     */
    GroupNormOutput groupNormLeakyRelu(Tensor x, Tensor gamma, Tensor beta, int groups, double eps, double slope);

    /** The backward pass of {@link #groupNormLeakyRelu}, from its input x and its output y. */
    GroupNormGrads groupNormLeakyReluBackward(
            Tensor dy, Tensor x, Tensor y, Tensor gamma, GroupNormOutput saved, int groups, double slope);

    /** C / groups, or an error when the channels do not split evenly (every backend's group norm checks this). */
    static int channelsPerGroup(int channels, int groups) {
        if (groups < 1 || channels % groups != 0)
            throw new IllegalArgumentException(channels + " channels do not split into " + groups + " groups");
        return channels / groups;
    }

    Tensor leakyRelu(Tensor x, double slope);

    /** The gradient of LeakyReLU from its output y (y > 0 exactly where x > 0 for slope > 0). */
    Tensor leakyReluBackward(Tensor dy, Tensor y, double slope);

    // ---- tensor plumbing ----

    /**
     * Concatenates along channels: [a, b]. The result may read a and b in place (the CUDA backend's convolutions do):
     * keep them alive until the result is closed.
     */
    Tensor concatChannels(Tensor a, Tensor b);

    /** Splits channels [0, first) and [first, C): the backward pass of {@link #concatChannels}. */
    Tensor[] splitChannels(Tensor t, int first);

    Tensor add(Tensor a, Tensor b);

    // ---- transformer operations (SwinUNETR; a linear layer is a 1x1x1 convolution over rows) ----

    /**
     * Layer norm over the last axis, as torch.nn.LayerNorm(C) computes it: per row, the mean and biased variance, then
     * a per-channel affine. gamma and beta [C] are both null for F.layer_norm without them (SwinUNETR's proj_out).
     */
    LayerNormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps);

    /** The gradients of {@link #layerNorm} (dgamma, dbeta null when gamma is null). */
    LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor gamma, LayerNormOutput saved);

    /** GELU in its exact erf form (torch.nn.GELU()). */
    Tensor gelu(Tensor x);

    /** The gradient of {@link #gelu} from its input x. */
    Tensor geluBackward(Tensor dy, Tensor x);

    /** Gathers rows of x as g says (zeros for padding rows); the result has g's target shape. */
    Tensor gatherRows(Tensor x, RowGather g);

    /** The gradient of {@link #gatherRows}: every gathered row's gradient added back to its source row. */
    Tensor gatherRowsBackward(Tensor dy, RowGather g);

    /**
     * Multi-head self-attention within windows, as MONAI's WindowAttention computes it between its two linear layers.
     * qkv [W, ..., 3C] holds W windows of T tokens each (T = its values / (W * 3C)), channels ordered (q|k|v, head,
     * head channel); per window w and head h: softmax(scale * q k^T + bias + mask[w % masks]) v, written as [W, ..., C]
     * with channels (head, head channel). bias is [T, T, heads] (query, key, head); mask is [masks, T, T] or null.
     */
    AttentionOutput windowAttention(Tensor qkv, Tensor bias, Tensor mask, int heads, double scale);

    /** The gradients of {@link #windowAttention} with respect to qkv and the bias (summed over the windows). */
    AttentionGrads windowAttentionBackward(Tensor dout, Tensor qkv, AttentionOutput saved, int heads, double scale);

    // ---- resampling ----

    /** Average pooling with window = stride, no padding, sizes floored (nn.AvgPool3d(k, k)). */
    Tensor avgPool3d(Tensor x, int[] window);

    /** The gradient of {@link #avgPool3d} with respect to its input of shape xShape. */
    Tensor avgPool3dBackward(Tensor dy, int[] window, Shape xShape);

    /**
     * Trilinear upsampling by integer factors per axis with align_corners = False, as nn.Upsample(scale_factor,
     * mode='trilinear') computes it: source coordinate (o + 0.5) / s - 0.5, clamped at 0, edges replicated.
     */
    Tensor upsampleTrilinear(Tensor x, int[] scale);

    /** The gradient of {@link #upsampleTrilinear} with respect to its input of shape xShape. */
    Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xShape);

    // ---- loss ----

    /**
     * Softmax cross-entropy plus soft Dice on logits [N,D,H,W,K] against labels [N,D,H,W,1], as nnU-Net's
     * DC_and_CE_loss computes them; the gradient with respect to the logits is scaled by spec.weight().
     */
    LossResult diceCrossEntropy(Tensor logits, Tensor labels, LossSpec spec);

    /** Nearest-neighbour ("nearest-exact") resizing of a label map to another spatial size. */
    Tensor downsampleLabels(Tensor labels, Shape target);

    // ---- optimizer ----

    double sumOfSquares(Tensor t);

    void scaleInPlace(Tensor t, double factor);

    /**
     * torch.nn.utils.clip_grad_norm_ over `grads`: the total L2 norm (sums of squares in double), and every tensor
     * scaled by maxNorm / (norm + 1e-6) when that is below 1. Returns the norm before clipping. This default reads the
     * norm back before scaling; a GPU backend keeps it all on the device.
     */
    default PendingScalar clipGradNorm(java.util.List<Tensor> grads, double maxNorm) {
        double sq = 0;
        for (Tensor g : grads) sq += sumOfSquares(g);
        double norm = Math.sqrt(sq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Tensor g : grads) scaleInPlace(g, coef);
        }
        return PendingScalar.of(norm);
    }

    /** One SGD step as torch.optim.SGD computes it (weight decay added to the gradient, dampening 0). */
    void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, SgdStep step);

    /** One Adam or AdamW step as torch.optim.Adam/AdamW compute it; step.t() counts from 1. */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamStep step);
}
