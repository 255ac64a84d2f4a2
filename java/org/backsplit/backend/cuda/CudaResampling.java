package org.backsplit.backend.cuda;

import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * Resampling on the GPU (kernels/resampling.cu): average pooling, trilinear upsampling (one separable linear pass per
 * axis), and nearest-exact label downsampling for deep supervision.
 */
final class CudaResampling {
    private final CudaRuntime rt;
    private final CudaKernels k;

    CudaResampling(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    Tensor avgPool3d(Tensor x, int[] w) {
        Shape s = x.shape();
        CudaTensor y = rt.make(Shape.ndhwc(s.n(), s.d() / w[0], s.h() / w[1], s.w() / w[2], s.c()));
        long total = y.shape().numel();
        k.avg_pool3d_forward(
                Grid.elementwise(total),
                CudaBackend.c(x),
                y,
                s.n(),
                s.d(),
                s.h(),
                s.w(),
                s.c(),
                w[0],
                w[1],
                w[2],
                total);
        return y;
    }

    Tensor avgPool3dBackward(Tensor dy, int[] w, Shape xs) {
        CudaTensor dx = rt.make(xs);
        long total = xs.numel();
        k.avg_pool3d_backward(
                Grid.elementwise(total),
                CudaBackend.c(dy),
                dx,
                xs.n(),
                xs.d(),
                xs.h(),
                xs.w(),
                xs.c(),
                w[0],
                w[1],
                w[2],
                total);
        return dx;
    }

    Tensor upsampleTrilinear(Tensor x, int[] scale) {
        Shape s = x.shape();
        int[] dims = {s.n(), s.d(), s.h(), s.w(), s.c()};
        Tensor cur = x;
        for (int axis = 1; axis <= 3; axis++) {
            long[] view = axisView(dims, axis);
            dims[axis] *= scale[axis - 1];
            CudaTensor next = rt.make(Shape.ndhwc(dims[0], dims[1], dims[2], dims[3], dims[4]));
            long total = next.shape().numel();
            k.upsample_trilinear_axis_forward(
                    Grid.elementwise(total),
                    CudaBackend.c(cur),
                    next,
                    view[0],
                    (int) view[1],
                    scale[axis - 1],
                    view[2],
                    total);
            if (cur != x) cur.close();
            cur = next;
        }
        return cur;
    }

    Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xs) {
        int[] dims = {xs.n(), xs.d() * scale[0], xs.h() * scale[1], xs.w() * scale[2], xs.c()};
        Tensor cur = dy;
        for (int axis = 3; axis >= 1; axis--) {
            dims[axis] /= scale[axis - 1];
            long[] view = axisView(dims, axis);
            CudaTensor next = rt.make(Shape.ndhwc(dims[0], dims[1], dims[2], dims[3], dims[4]));
            long total = next.shape().numel();
            k.upsample_trilinear_axis_backward(
                    Grid.elementwise(total),
                    CudaBackend.c(cur),
                    next,
                    view[0],
                    (int) view[1],
                    scale[axis - 1],
                    view[2],
                    total);
            if (cur != dy) cur.close();
            cur = next;
        }
        return cur;
    }

    /** {outer, length, inner} of NDHWC dims seen along one spatial axis. */
    private static long[] axisView(int[] dims, int axis) {
        long outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= dims[a];
        for (int a = axis + 1; a < dims.length; a++) inner *= dims[a];
        return new long[] {outer, dims[axis], inner};
    }

    Tensor downsampleLabels(Tensor labels, Shape t) {
        Shape s = labels.shape();
        CudaTensor out = rt.make(t);
        k.downsample_labels(
                Grid.elementwise(t.numel()),
                CudaBackend.c(labels),
                out,
                s.n(),
                s.d(),
                s.h(),
                s.w(),
                t.d(),
                t.h(),
                t.w());
        return out;
    }
}
