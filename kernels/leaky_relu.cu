// LeakyReLU, forward and backward side by side. One thread per element. The backward pass reads the
// forward output y: y > 0 exactly where x > 0 for a positive slope (and nnU-Net runs it in place).
#include "common.cuh"

extern "C" __global__ void leaky_relu_forward(const float* x, float* y, float slope, long long n) {
    GRID_STRIDE(i, n) {
        float v = x[i];
        y[i] = v > 0.f ? v : slope * v;
    }
}

extern "C" __global__ void leaky_relu_backward(const float* dy, const float* y, float* dx, float slope, long long n) {
    GRID_STRIDE(i, n) dx[i] = y[i] > 0.f ? dy[i] : slope * dy[i];
}
