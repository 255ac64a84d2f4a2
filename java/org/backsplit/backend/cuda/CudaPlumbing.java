package org.backsplit.backend.cuda;

import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/** Tensor plumbing on the GPU (kernels/plumbing.cu): add, and the skip concatenation and its split. */
final class CudaPlumbing {
    private final CudaRuntime rt;
    private final CudaKernels k;

    CudaPlumbing(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    Tensor add(Tensor a, Tensor b) {
        long n = a.shape().numel();
        CudaTensor out = rt.make(a.shape());
        k.add_tensors(Grid.elementwise(n), CudaBackend.c(a), CudaBackend.c(b), out, n);
        return out;
    }

    /** A pair read in place by the convolutions, joined only when another op needs one tensor. */
    Tensor concatChannels(Tensor a, Tensor b) {
        if (!a.shape().withChannels(1).equals(b.shape().withChannels(1))) {
            throw new IllegalArgumentException(
                    "cannot concatenate " + a.shape() + " and " + b.shape() + " along channels");
        }
        return new CudaChannelPair(this, CudaBackend.c(a), CudaBackend.c(b), false);
    }

    /** [a, b] along channels as one tensor. */
    CudaTensor join(CudaTensor a, CudaTensor b) {
        Shape as = a.shape();
        int ca = as.c(), cb = b.shape().c();
        long voxels = (long) as.n() * as.spatial();
        CudaTensor out = rt.make(as.withChannels(ca + cb));
        k.concat_channels(Grid.elementwise(voxels * (ca + cb)), a, b, out, ca, cb, voxels);
        return out;
    }

    Tensor[] splitChannels(Tensor t, int first) {
        if (t instanceof CudaChannelPair pair && pair.split() == first) {
            Tensor[] parts = pair.takeParts(); // a gradient written in two parts: handed out, not copied
            if (parts != null) return parts;
        }
        Shape s = t.shape();
        int second = s.c() - first;
        long voxels = (long) s.n() * s.spatial();
        CudaTensor a = rt.make(s.withChannels(first)), b = rt.make(s.withChannels(second));
        k.split_channels(Grid.elementwise(voxels * s.c()), CudaBackend.c(t), a, b, first, second, voxels);
        return new Tensor[] {a, b};
    }
}
