// Softmax cross-entropy + soft Dice (nnU-Net's DC_and_CE_loss) over logits [N, V, K] and labels [N, V].
//
// Pass 1 (dice_cross_entropy_sums): grid (rows, N), one thread per row; row r of sample n owns the voxels
// v = r*blockDim..., strided by rows*blockDim. Each thread writes the softmax into p and accumulates, in
// double, tp[K] | sp[K] | sg[K] | ce | valid | invalid labels into its own row of partial[(n*rows + row)*(3K+3)].
// dice_cross_entropy_reduce adds the rows of each sample in order, dice_cross_entropy_coefficients turns those
// sums into the loss terms and per-class coefficients on the device (the computation of the host's
// DiceCrossEntropyCoefficients, which the CPU backend uses), and pass 2 (dice_cross_entropy_gradient) turns p
// into the gradient in place.
// A voxel labelled `merged` (partial supervision) takes the marginal loss over the classes in mergedMask.
// Otherwise:
// dL/dz_j = w * ((p_j - [j = y]) * ceScale + p_j (a_j - sum_k a_k p_k)), a_k = aSp[k] + [k = y] aTp[k].
#include "common.cuh"

#define MAX_CLASSES 64

extern "C" __global__ void dice_cross_entropy_sums(const float* z, const float* labels, float* p, int K, long long V, int ignore,
                                           int merged, long long mergedMask, double* partial) {
    int n = blockIdx.y;
    long long threads = (long long)gridDim.x * blockDim.x;
    long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int width = 3 * K + 3;
    double acc[3 * MAX_CLASSES + 3];
    for (int j = 0; j < width; j++) acc[j] = 0;
    float e[MAX_CLASSES];
    for (long long v = row; v < V; v += threads) {
        long long i = (long long)n * V + v;
        const float* zi = z + i * K;
        float mx = zi[0];
        for (int k = 1; k < K; k++) mx = fmaxf(mx, zi[k]);
        double sum = 0, q = 0;
        for (int k = 0; k < K; k++) {
            e[k] = expf(zi[k] - mx);
            sum += e[k];
            if ((mergedMask >> k) & 1) q += e[k];
        }
        double inv = 1.0 / sum;
        for (int k = 0; k < K; k++) {
            e[k] = (float)(e[k] * inv);
            p[i * K + k] = e[k];
        }
        int y = (int)labels[i];
        if (y == ignore) continue;
        if (y == merged) {  // partial supervision: marginal CE, Dice statistics of the non-merged classes only
            acc[3 * K] += log(sum) - log(q);
            acc[3 * K + 1] += 1;
            for (int k = 0; k < K; k++) if (!((mergedMask >> k) & 1)) acc[K + k] += e[k];
            continue;
        }
        if (y < 0 || y >= K) {  // reported by the host as an error; never indexes out of range
            acc[3 * K + 2] += 1;
            continue;
        }
        acc[3 * K] += log(sum) + mx - zi[y];
        acc[3 * K + 1] += 1;
        for (int k = 0; k < K; k++) acc[K + k] += e[k];
        acc[y] += e[y];
        acc[2 * K + y] += 1;
    }
    double* out = partial + ((long long)n * threads + row) * width;
    for (int j = 0; j < width; j++) out[j] = acc[j];
}

// out[g*cols + j] = sum over r < rows of in[(g*rows + r)*cols + j], in order. One thread per (g, j).
extern "C" __global__ void dice_cross_entropy_reduce(const double* in, int groups, long long rows, int cols, double* out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= groups * cols) return;
    int g = i / cols, j = i % cols;
    double s = 0;
    for (long long r = 0; r < rows; r++) s += in[((long long)g * rows + r) * cols + j];
    out[i] = s;
}

// The loss terms and the gradient's coefficients from the reduced sums, on the device (DiceCrossEntropyCoefficients
// is the same computation on the host): reduced[n][3K + 3] = tp[K] | sp[K] | sg[K] | CE sum | valid | bad.
// Groups are the samples, or one with batch Dice; the Dice classes are the set bits of diceMask. Writes
// coef[g][2K] = aTp | aSp (0 outside the Dice classes) and coef[groups * 2K] = the CE scale, and
// terms = loss | CE | Dice | bad-label count. One thread: the work is a few hundred operations.
extern "C" __global__ void dice_cross_entropy_coefficients(const double* reduced, int N, int K, int batchDice, long long diceMask,
                                                double smooth, double weightCe, double weightDice, float* coef, double* terms) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    int width = 3 * K + 3, groups = batchDice ? 1 : N, classes = 0;
    for (int k = 0; k < K; k++) classes += (int)((diceMask >> k) & 1);
    double ceSum = 0, valid = 0, bad = 0, dice = 0, count = (double)groups * classes;
    for (int i = 0; i < N; i++) {
        ceSum += reduced[i * width + 3 * K];
        valid += reduced[i * width + 3 * K + 1];
        bad += reduced[i * width + 3 * K + 2];
    }
    for (int g = 0; g < groups; g++) {
        for (int k = 0; k < K; k++) {
            float aTp = 0.f, aSp = 0.f;
            if ((diceMask >> k) & 1) {
                double tp = 0, sp = 0, sg = 0;
                for (int i = batchDice ? 0 : g; i < (batchDice ? N : g + 1); i++) {
                    tp += reduced[i * width + k];
                    sp += reduced[i * width + K + k];
                    sg += reduced[i * width + 2 * K + k];
                }
                double den = fmax(sp + sg + smooth, 1e-8), num = 2 * tp + smooth;
                dice += num / den / count;
                aTp = (float)(-weightDice / count * 2 / den);
                aSp = (float)(weightDice / count * num / (den * den));
            }
            coef[g * 2 * K + k] = aTp;
            coef[g * 2 * K + K + k] = aSp;
        }
    }
    double ce = valid > 0 ? ceSum / valid : 0;
    coef[groups * 2 * K] = valid > 0 ? (float)(weightCe / valid) : 0.f;
    terms[0] = weightCe * ce - weightDice * dice;
    terms[1] = ce;
    terms[2] = dice;
    terms[3] = bad;
}

// coef: [group][2K] = aTp[K] | aSp[K]; group = batchDice ? 0 : n; then the CE scale.
extern "C" __global__ void dice_cross_entropy_gradient(float* p, const float* labels, const float* coef, int K, long long V, long long total,
                                        int ignore, int merged, long long mergedMask, int batchDice, const float* ceScaleAt, float w) {
    const float ceScale = *ceScaleAt;
    GRID_STRIDE(i, total) {
        int y = (int)labels[i];
        float* pi = p + i * K;
        const float* c = coef + (batchDice ? 0 : (i / V)) * 2 * K;
        if (y == merged) {  // dL/dz_j = w (ceScale (p_j - [j merged] p_j / q) + p_j (a_j - sum a p)), a_j = [j not merged] aSp_j
            float q = 0.f, pa = 0.f;
            for (int k = 0; k < K; k++) {
                if ((mergedMask >> k) & 1) q += pi[k];
                else pa += pi[k] * c[K + k];
            }
            for (int k = 0; k < K; k++) {
                bool m = (mergedMask >> k) & 1;
                float pk = pi[k];
                pi[k] = w * ((pk - (m ? pk / q : 0.f)) * ceScale + pk * ((m ? 0.f : c[K + k]) - pa));
            }
            continue;
        }
        if (y == ignore || y < 0 || y >= K) {
            for (int k = 0; k < K; k++) pi[k] = 0.f;
            continue;
        }
        float pa = 0.f;
        for (int k = 0; k < K; k++) pa += pi[k] * (c[K + k] + (k == y ? c[k] : 0.f));
        for (int k = 0; k < K; k++) {
            float pk = pi[k];
            float a = c[K + k] + (k == y ? c[k] : 0.f);
            float dce = (pk - (k == y ? 1.f : 0.f)) * ceScale;
            pi[k] = w * (dce + pk * (a - pa));
        }
    }
}
