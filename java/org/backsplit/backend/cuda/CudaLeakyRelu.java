package org.backsplit.backend.cuda;

import org.backsplit.tensor.Tensor;

/** LeakyReLU on the GPU (kernels/leaky_relu.cu), forward and backward. */
final class CudaLeakyRelu {
    private final CudaRuntime rt;
    private final CudaKernels k;

    CudaLeakyRelu(CudaRuntime rt) {
        this.rt = rt;
        this.k = rt.kernels();
    }

    Tensor forward(Tensor x, double slope) {
        long n = x.shape().numel();
        CudaTensor y = rt.make(x.shape());
        k.leaky_relu_forward(Grid.elementwise(n), CudaBackend.c(x), y, (float) slope, n);
        return y;
    }

    Tensor backward(Tensor dy, Tensor y, double slope) {
        long n = y.shape().numel();
        CudaTensor dx = rt.make(y.shape());
        k.leaky_relu_backward(Grid.elementwise(n), CudaBackend.c(dy), CudaBackend.c(y), dx, (float) slope, n);
        return dx;
    }
}
