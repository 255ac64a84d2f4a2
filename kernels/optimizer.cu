// The optimizer family (Backend: sgdStep, adamStep, clipGradNorm, sumOfSquares, scaleInPlace): updates one
// thread per parameter element, in place, with the arithmetic of torch.optim and clip_grad_norm_.
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

// x *= s (Backend.scaleInPlace)
extern "C" __global__ void scale_in_place(float* x, float s, long long n) {
    GRID_STRIDE(i, n) x[i] *= s;
}

// Sum of squares: block b sums the elements i = b*blockDim + t + k*gridDim*blockDim in double, then a fixed
// tree; partial[b] per block, added in order by clip_grad_norm_coefficient (or by the host, for
// Backend.sumOfSquares). Launch with a fixed grid for determinism.
extern "C" __global__ void sum_of_squares_partial(const float* x, long long n, double* partial) {
    BACKSPLIT_DYNAMIC_SHARED(double, sh);
    double acc = 0;
    GRID_STRIDE(i, n) acc += (double)x[i] * x[i];
    double s = block_sum(acc, sh);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// Gradient clipping without a host round trip. clip_grad_norm_coefficient sums the partial sums of squares of all
// gradients (sum_of_squares_partial, one run per tensor into consecutive slots) in a fixed order, in one block:
// result[0] = the norm, result[1] = min(1, maxNorm / (norm + 1e-6)) as torch.nn.utils.clip_grad_norm_.
extern "C" __global__ void clip_grad_norm_coefficient(const double* partial, long long count, double max_norm, double* result) {
    BACKSPLIT_DYNAMIC_SHARED(double, sh);
    double acc = 0;
    for (long long i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
    double s = block_sum(acc, sh);
    if (threadIdx.x == 0) {
        double norm = sqrt(s), coef = max_norm / (norm + 1e-6);
        result[0] = norm;
        result[1] = coef < 1 ? coef : 1;
    }
}

// g *= the clip coefficient (a multiplication by 1 when the norm is below the maximum: exact)
extern "C" __global__ void clip_grad_norm_scale(float* g, const double* result, long long n) {
    float c = (float)result[1];
    GRID_STRIDE(i, n) g[i] *= c;
}
