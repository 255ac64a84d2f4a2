// Optimizer updates, one thread per parameter element, in place; the same arithmetic as torch.optim.
#include "common.cuh"

// SGD: g = grad + wd*p; buf = first ? g : momentum*buf + g; p -= lr * (nesterov ? g + momentum*buf : buf)
extern "C" __global__ void sgd_step(float* p, const float* grad, float* buf, float lr, float momentum, float wd, int nesterov,
                                    int first, long long n) {
    GRID_STRIDE(i, n) {
        float g = grad[i] + wd * p[i];
        float b = first ? g : momentum * buf[i] + g;
        buf[i] = b;
        p[i] -= lr * (nesterov ? g + momentum * b : b);
    }
}

// Adam / AdamW (decoupled): stepSize = lr / (1 - beta1^t), bc2Sqrt = sqrt(1 - beta2^t), computed by the host.
extern "C" __global__ void adam_step(float* p, const float* grad, float* m, float* v, float lr, float beta1, float beta2, float eps,
                                     float wd, int decoupled, float stepSize, float bc2Sqrt, long long n) {
    GRID_STRIDE(i, n) {
        float g = grad[i];
        if (decoupled) p[i] *= 1.f - lr * wd;
        else g += wd * p[i];
        float mi = beta1 * m[i] + (1.f - beta1) * g;
        float vi = beta2 * v[i] + (1.f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] -= stepSize * mi / (sqrtf(vi) / bc2Sqrt + eps);
    }
}
