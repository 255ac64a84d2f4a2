package org.backsplit.backend.cuda;

import org.backsplit.tensor.Tensor;

/**
 * Two CUDA tensors that are one tensor along channels, [first, second]: the U-Net's skip concatenation and its
 * gradient. The convolutions read such a pair (forward, weight gradient) and write one (input gradient) part by part,
 * so the concatenated tensor is never stored; any other op gets the concatenation, made once on first use. A pair from
 * concatChannels reads the caller's tensors (the caller keeps them alive until the pair is closed); a pair a
 * convolution wrote owns its parts until splitChannels hands them out.
 */
final class CudaChannelPair extends Tensor {
    private final CudaPlumbing plumbing;
    private final CudaTensor first, second;
    private boolean ownsParts;
    private CudaTensor joined;

    CudaChannelPair(CudaPlumbing plumbing, CudaTensor first, CudaTensor second, boolean ownsParts) {
        super(first.shape().withChannels(first.shape().c() + second.shape().c()));
        this.plumbing = plumbing;
        this.first = first;
        this.second = second;
        this.ownsParts = ownsParts;
    }

    CudaTensor first() {
        requireOpen();
        return first;
    }

    CudaTensor second() {
        requireOpen();
        return second;
    }

    CudaPlumbing plumbing() {
        return plumbing;
    }

    /** Channels in the first part. */
    int split() {
        return first.shape().c();
    }

    /** The concatenation as one tensor, for ops that do not read pairs; made on first use and kept. */
    CudaTensor joined() {
        requireOpen();
        if (joined == null) joined = plumbing.join(first, second);
        return joined;
    }

    /** The parts, handed to the caller, who closes them; null when this pair does not own them. */
    Tensor[] takeParts() {
        requireOpen();
        if (!ownsParts) return null;
        ownsParts = false;
        return new Tensor[] {first, second};
    }

    @Override
    protected void release() {
        if (joined != null) joined.close();
        if (ownsParts) {
            first.close();
            second.close();
        }
    }
}
