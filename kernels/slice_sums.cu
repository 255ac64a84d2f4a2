// Deterministic sums split over a fixed number of slices (a function of the sizes only): each slice's sum
// goes to its own partial, and reduce_slices adds the partials in slice order. Used by the weight and bias
// gradients; no atomics, so results are bit-identical run to run.
#include "common.cuh"

// partial[slice][col] = sum of a[row][col] over the slice's rows (bias gradients: a = dY as [rows][K]).
extern "C" __global__ void column_sums(const float* a, long long rows, int cols, int slices, float* partial) {
    GRID_STRIDE(i, (long long)cols * slices) {
        int col = (int)(i % cols);
        long long sl = i / cols;
        long long from = rows * sl / slices, to = rows * (sl + 1) / slices;
        float acc = 0.f;
        for (long long r = from; r < to; r++) acc += a[r * cols + col];
        partial[i] = acc;
    }
}

// out[i] = sum over slices, in order, of partial[slice][i]
extern "C" __global__ void reduce_slices(const float* partial, float* out, long long count, int slices) {
    GRID_STRIDE(i, count) {
        float acc = 0.f;
        for (int sl = 0; sl < slices; sl++) acc += partial[(long long)sl * count + i];
        out[i] = acc;
    }
}
