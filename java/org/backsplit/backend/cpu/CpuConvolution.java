package org.backsplit.backend.cpu;

import java.util.Arrays;
import jdk.incubator.vector.VectorMask;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.tensor.Shape;

/**
 * 3D convolution and transposed convolution on the CPU. Activations are NDHWC, so one tap of one voxel is C contiguous
 * floats and every pass reads its operands in place through {@link DirectConv}'s offsets:
 *
 * <ul>
 *   <li>forward: x is padded along x once; each output row (n, z, y) is then one kernel call, all its voxels times all
 *       K outputs, summed over the (z, y) tap pairs inside the input, each pair's x-taps one run of kx*C terms;
 *   <li>backward-data: each input voxel gathers dY from the taps that reach it. Input voxels are grouped by their phase
 *       modulo the stride, because all voxels of a phase are reached by the same taps: a stride-2 layer then costs what
 *       its forward pass costs instead of 8x that in zero rows; at x-stride 1 a pair's x-taps are one run;
 *   <li>backward-weight: at stride 1 a whole output plane is one reduction per (z, y) tap pair (x padded once);
 *       otherwise, for one output row and one tap pair, the x-taps read overlapping windows of kx*C floats. Both add
 *       the partial sums of a fixed number of slices in order, so the result does not depend on the thread count.
 * </ul>
 *
 * Transposed convolution with kernel = stride has no overlapping outputs: one GEMM and a scatter per tile.
 */
final class CpuConvolution {
    /** Rows of one GEMM tile (transposed convolution): a multiple of the kernel's 4-row block. */
    private static final int TILE = 128;
    /** Upper bound on the weight-gradient slices (each holds a full partial dW). */
    private static final int MAX_SLICES = 16;

    private static final int[] ZERO = {0};

    private final Parallel parallel;
    private final ArrayPool pool;

    CpuConvolution(Parallel parallel, ArrayPool pool) {
        this.parallel = parallel;
        this.pool = pool;
    }

    // ------------------------------------------------------------------ forward

    float[] forward(float[] x, Shape xs, float[] w, int k, float[] bias, ConvGeometry g, Shape ys) {
        int c = xs.c(), taps = g.taps();
        int[] kk = g.kernel(), s = g.stride(), p = g.padding();
        // Fewer than 8 outputs (a segmentation head) are computed 8 wide, with zero weight columns, and cut back: the
        // kernel's masked tails are slow, its 8-wide blocks are not.
        int kw = Math.max(8, k);
        float[] wt = new float[taps * c * kw]; // per tap a [C][kw] block
        Gemm.transpose(k, taps * c, w, 0, taps * c, wt, 0, kw);
        // With x's padding along x made explicit every output voxel has all its x-taps in its row, so a row of outputs
        // is one kernel call of full blocks (no one-voxel edge calls, whose single chain of FMAs is slow).
        int wp = xs.w() + 2 * p[2];
        float[] xp = p[2] > 0 ? padded(x, xs, new int[] {0, 0, p[2]}, 0) : x;
        float[] y = pool.dirty(ys.size()); // every output voxel is written by its row's block
        VectorMask<Float> masks = DirectConv.tailMask(kw);
        int runs = ys.n() * ys.d() * ys.h();
        parallel.forEach(runs, run -> {
            int oy = run % ys.h(), oz = (run / ys.h()) % ys.d(), n = run / (ys.h() * ys.d());
            int[] tapOffset = new int[taps], weightOffset = new int[taps];
            int outRow = ((n * ys.d() + oz) * ys.h() + oy) * ys.w();
            int pairs = forwardTaps(xs, kk, oz * s[0] - p[0], oy * s[1] - p[1], wp, c, kw, tapOffset, weightOffset);
            float[] out = kw == k ? y : Scratch.get(0, ys.w() * kw);
            DirectConv.block(
                    ys.w(),
                    pairs,
                    tapOffset,
                    weightOffset,
                    kk[2] * c,
                    xp,
                    n * xs.d() * xs.h() * wp * c,
                    s[2] * c,
                    wt,
                    kw,
                    kw,
                    masks,
                    out,
                    kw == k ? outRow * k : 0,
                    kw,
                    false);
            if (kw != k) {
                for (int ox = 0; ox < ys.w(); ox++) System.arraycopy(out, ox * kw, y, (outRow + ox) * k, k);
            }
            if (bias != null) addBias(y, outRow, ys.w(), bias, k);
        });
        if (xp != x) pool.give(xp);
        return y;
    }

    /**
     * Lists the (z, y) tap pairs inside the input (rows `wp` voxels wide, padding along x included), each with its
     * x-taps as one run: consecutive x-taps read consecutive input voxels (C floats apart) and consecutive weight rows
     * (C*K floats apart), so a pair is a single reduction of kx*C terms, taps then channels. Returns the pair count.
     */
    private static int forwardTaps(
            Shape xs, int[] kk, int zBase, int yBase, int wp, int c, int k, int[] tapOffset, int[] weightOffset) {
        int count = 0;
        for (int t = 0; t < kk[0]; t++) {
            int iz = zBase + t;
            if (iz < 0 || iz >= xs.d()) continue;
            for (int r = 0; r < kk[1]; r++) {
                int iy = yBase + r;
                if (iy < 0 || iy >= xs.h()) continue;
                tapOffset[count] = (iz * xs.h() + iy) * wp * c;
                weightOffset[count] = (t * kk[1] + r) * kk[2] * c * k;
                count++;
            }
        }
        return count;
    }

    // ------------------------------------------------------------------ backward data

    float[] backwardData(float[] dy, Shape ys, float[] w, ConvGeometry g, Shape xs) {
        int k = ys.c(), c = xs.c(), taps = g.taps();
        int[] s = g.stride();
        // Per tap the [K][C] slice of the weights, x-taps in reverse: wTap[t][r][kx-1-q][k][c] = w[k][t][r][q][c]. In
        // reverse, consecutive x-taps read consecutive dY voxels and consecutive weight slices (see backwardTaps).
        int kx = g.kernel()[2];
        float[] wTap = new float[taps * k * c];
        for (int ko = 0; ko < k; ko++) {
            for (int tap = 0; tap < taps; tap++) {
                int reversed = tap - tap % kx + kx - 1 - tap % kx;
                System.arraycopy(w, (ko * taps + tap) * c, wTap, (reversed * k + ko) * c, c);
            }
        }
        float[] dx = pool.zeroed(xs.size()); // voxels no tap reaches keep their zero
        VectorMask<Float> masks = DirectConv.tailMask(c);
        for (int pz = 0; pz < s[0]; pz++) {
            for (int py = 0; py < s[1]; py++) {
                for (int px = 0; px < s[2]; px++) {
                    backwardDataPhase(dy, ys, wTap, g, xs, dx, new int[] {pz, py, px}, masks);
                }
            }
        }
        return dx;
    }

    /**
     * Input voxels whose coordinates are congruent to `phase` modulo the stride. The same taps reach all of them, and
     * consecutive such voxels along x read consecutive dY voxels, so the direct kernel applies.
     */
    private void backwardDataPhase(
            float[] dy,
            Shape ys,
            float[] wTap,
            ConvGeometry g,
            Shape xs,
            float[] dx,
            int[] phase,
            VectorMask<Float> masks) {
        int k = ys.c(), c = xs.c();
        int[] kk = g.kernel(), s = g.stride(), p = g.padding();
        int[] in = {xs.d(), xs.h(), xs.w()};
        int[] count = new int[3];
        for (int a = 0; a < 3; a++) count[a] = phase[a] < in[a] ? ceilDiv(in[a] - phase[a], s[a]) : 0;
        if (count[0] * count[1] * count[2] == 0) return;
        // x-taps of this phase and their dY offset: ox = jx + shift
        int[] xTaps = new int[kk[2]], shift = new int[kk[2]];
        int nx = 0;
        for (int q = 0; q < kk[2]; q++) {
            if (Math.floorMod(phase[2] + p[2] - q, s[2]) == 0) {
                xTaps[nx] = q;
                shift[nx++] = Math.floorDiv(phase[2] + p[2] - q, s[2]);
            }
        }
        int lo = 0, hi = count[2];
        for (int i = 0; i < nx; i++) {
            lo = Math.max(lo, -shift[i]);
            hi = Math.min(hi, ys.w() - shift[i]);
        }
        hi = Math.max(lo, hi);
        final int nxTaps = nx, interiorLo = Math.min(lo, count[2]), interiorHi = Math.min(hi, count[2]);
        final boolean merged = s[2] == 1; // x-taps as one run per (z, y) pair: see backwardTaps
        int runs = xs.n() * count[0] * count[1];
        parallel.forEach(runs, run -> {
            int jy = run % count[1], jz = (run / count[1]) % count[0], n = run / (count[1] * count[0]);
            int iz = phase[0] + jz * s[0], iy = phase[1] + jy * s[1];
            int taps = kk[0] * kk[1] * kk[2];
            int[] tapOffset = new int[taps], weightOffset = new int[taps];
            int aBase = n * ys.spatial() * k, aStride = k;
            int outRow = ((n * xs.d() + iz) * xs.h() + iy) * xs.w() + phase[2], outStride = s[2] * c;
            int full =
                    backwardTaps(ys, kk, p, s, iz, iy, xTaps, shift, 0, nxTaps, merged, c, k, tapOffset, weightOffset);
            if (interiorHi > interiorLo)
                DirectConv.block(
                        interiorHi - interiorLo,
                        full,
                        tapOffset,
                        weightOffset,
                        merged ? nxTaps * k : k,
                        dy,
                        aBase + interiorLo * k,
                        aStride,
                        wTap,
                        c,
                        c,
                        masks,
                        dx,
                        (outRow + interiorLo * s[2]) * c,
                        outStride,
                        false);
            for (int jx = 0; jx < count[2]; jx++) {
                if (jx >= interiorLo && jx < interiorHi) continue;
                int[] xt = new int[nxTaps], sh = new int[nxTaps];
                int m = 0;
                for (int i = 0; i < nxTaps; i++) {
                    if (jx + shift[i] >= 0 && jx + shift[i] < ys.w()) {
                        xt[m] = xTaps[i];
                        sh[m++] = shift[i];
                    }
                }
                int cnt = backwardTaps(ys, kk, p, s, iz, iy, xt, sh, 0, m, merged, c, k, tapOffset, weightOffset);
                DirectConv.block(
                        1,
                        cnt,
                        tapOffset,
                        weightOffset,
                        merged ? m * k : k,
                        dy,
                        aBase + jx * k,
                        aStride,
                        wTap,
                        c,
                        c,
                        masks,
                        dx,
                        (outRow + jx * s[2]) * c,
                        outStride,
                        false);
            }
        });
    }

    /**
     * Lists the taps of a phase that reach input voxel row (iz, iy) from inside dY; returns their count. With stride 1
     * along x the x-taps of one (z, y) pair are listed as one run (`merged`): taken from the last x-tap back, they read
     * consecutive dY voxels (K floats apart) and consecutive slices of the reversed weights (K*C floats apart), so the
     * pair is one reduction of (to - from)*K terms. Otherwise each x-tap is its own entry of K terms.
     */
    private static int backwardTaps(
            Shape ys,
            int[] kk,
            int[] p,
            int[] s,
            int iz,
            int iy,
            int[] xTaps,
            int[] shift,
            int from,
            int to,
            boolean merged,
            int c,
            int k,
            int[] tapOffset,
            int[] weightOffset) {
        int count = 0;
        for (int t = 0; t < kk[0]; t++) {
            int numZ = iz + p[0] - t;
            if (numZ < 0 || numZ % s[0] != 0 || numZ / s[0] >= ys.d()) continue;
            int oz = numZ / s[0];
            for (int r = 0; r < kk[1]; r++) {
                int numY = iy + p[1] - r;
                if (numY < 0 || numY % s[1] != 0 || numY / s[1] >= ys.h()) continue;
                int oy = numY / s[1];
                int pair = (t * kk[1] + r) * kk[2], row = (oz * ys.h() + oy) * ys.w();
                if (merged && to > from) { // the run starts at the last x-tap
                    tapOffset[count] = (row + shift[to - 1]) * k;
                    weightOffset[count++] = (pair + kk[2] - 1 - xTaps[to - 1]) * k * c;
                } else if (!merged) {
                    for (int i = from; i < to; i++) {
                        tapOffset[count] = (row + shift[i]) * k;
                        weightOffset[count++] = (pair + kk[2] - 1 - xTaps[i]) * k * c;
                    }
                }
            }
        }
        return count;
    }

    // ------------------------------------------------------------------ backward weight

    /**
     * Returns {dW [K x taps*C], dBias [K] or null}. For one output row (n, oz, oy) and one (t, r) tap pair, the inputs
     * that the x-taps of consecutive output voxels read are overlapping windows of kx*C contiguous floats, stride sx*C
     * apart: dW[k][t][r][.] += dY_row^T * windows, read in place (no im2col). Edge voxels, whose windows leave the
     * input, add the part inside it. Rows are split into a fixed number of slices whose partial sums are added in
     * order, so the result does not depend on the thread count.
     */
    float[][] backwardWeight(float[] x, Shape xs, float[] dy, Shape ys, ConvGeometry g, boolean withBias) {
        int[] st = g.stride();
        if (st[0] == 1 && st[1] == 1 && st[2] == 1) return backwardWeightStride1(x, xs, dy, ys, g, withBias);
        int k = ys.c(), c = xs.c();
        int[] kk = g.kernel(), s = g.stride(), p = g.padding();
        int window = kk[2] * c, pairs = kk[0] * kk[1], q = ys.w();
        int runs = ys.n() * ys.d() * ys.h();
        int slices = Math.max(1, Math.min(MAX_SLICES, runs / 8));
        int lo = Math.min(ceilDiv(p[2], s[2]), q);
        int hi = Math.max(lo, Math.min(q, Math.floorDiv(xs.w() - kk[2] + p[2], s[2]) + 1));
        VectorMask<Float> tail = DirectConv.tailMask(window);
        @SuppressWarnings({"unchecked", "rawtypes"})
        VectorMask<Float>[] edgeTails = new VectorMask[kk[2] + 1];
        for (int taps = 1; taps <= kk[2]; taps++) edgeTails[taps] = DirectConv.tailMask(taps * c);
        float[][] partial = new float[slices][];
        float[][] partialBias = new float[slices][];
        parallel.forEach(slices, sl -> {
            float[] acc = new float[pairs * k * window]; // [t][r][K][kx*C]
            float[] dyT = new float[k * q];
            float[] bias = withBias ? new float[k] : null;
            int[] weightOffset = new int[1];
            for (int run = Parallel.sliceStart(runs, slices, sl);
                    run < Parallel.sliceStart(runs, slices, sl + 1);
                    run++) {
                int oy = run % ys.h(), oz = (run / ys.h()) % ys.d(), n = run / (ys.h() * ys.d());
                int dyRow = run * q * k;
                Gemm.transpose(q, k, dy, dyRow, k, dyT, 0, q);
                if (bias != null) sumRows(dy, run * q, q, k, bias);
                for (int t = 0; t < kk[0]; t++) {
                    int iz = oz * s[0] - p[0] + t;
                    if (iz < 0 || iz >= xs.d()) continue;
                    for (int r = 0; r < kk[1]; r++) {
                        int iy = oy * s[1] - p[1] + r;
                        if (iy < 0 || iy >= xs.h()) continue;
                        int xRow = ((n * xs.d() + iz) * xs.h() + iy) * xs.w();
                        int accOff = (t * kk[1] + r) * k * window;
                        if (hi > lo) {
                            weightOffset[0] = (xRow + lo * s[2] - p[2]) * c;
                            DirectConv.block(
                                    k,
                                    1,
                                    ZERO,
                                    weightOffset,
                                    hi - lo,
                                    dyT,
                                    lo,
                                    q,
                                    x,
                                    s[2] * c,
                                    window,
                                    tail,
                                    acc,
                                    accOff,
                                    window,
                                    true);
                        }
                        for (int ox = 0; ox < q; ox++) { // edge voxels: the part of their window inside the input
                            if (ox >= lo && ox < hi) continue;
                            int ix0 = ox * s[2] - p[2];
                            int from = Math.max(0, -ix0), to = Math.min(kk[2], xs.w() - ix0);
                            if (to <= from) continue;
                            weightOffset[0] = (xRow + ix0 + from) * c;
                            DirectConv.block(
                                    k,
                                    1,
                                    ZERO,
                                    weightOffset,
                                    1,
                                    dyT,
                                    ox,
                                    q,
                                    x,
                                    0,
                                    (to - from) * c,
                                    edgeTails[to - from],
                                    acc,
                                    accOff + from * c,
                                    window,
                                    true);
                        }
                    }
                }
            }
            partial[sl] = acc;
            partialBias[sl] = bias;
        });
        return weightGrads(partial, partialBias, k, pairs, window, window, withBias);
    }

    /**
     * Stride 1: x is copied once with its zero padding made explicit, and dY of one output plane (n, oz) is transposed
     * into rows of the padded width, zero in the columns past the output. Then for a (t, r) tap pair every voxel of the
     * plane reads its x-taps at the same offset from its own position, so the whole plane is one reduction of about H*W
     * terms per (t, r) (the zero columns add exact zeros): 9 long kernel calls per plane instead of 27 per row. Planes
     * are split into a fixed number of slices summed in order: deterministic.
     */
    private float[][] backwardWeightStride1(
            float[] x, Shape xs, float[] dy, Shape ys, ConvGeometry g, boolean withBias) {
        int k = ys.c(), c = xs.c();
        int[] kk = g.kernel(), p = g.padding();
        int dp = xs.d() + 2 * p[0], hp = xs.h() + 2 * p[1], wp = xs.w() + 2 * p[2];
        int ho = ys.h(), wo = ys.w(), window = kk[2] * c, pairs = kk[0] * kk[1];
        // A window under 8 floats (one input channel) is computed 8 wide and cut back: the kernel's masked tails are
        // slow, its 8-wide blocks are not; the extra columns read the neighbouring voxels and are dropped.
        int wide = Math.max(8, window);
        int plane = ho * wp - (wp - wo); // the last row's zero columns are left out: no read past the padded plane
        float[] xp = padded(x, xs, p, wide - window);
        int planes = ys.n() * ys.d();
        int slices = Math.max(1, Math.min(MAX_SLICES, planes));
        VectorMask<Float> tail = DirectConv.tailMask(wide);
        float[][] partial = new float[slices][];
        float[][] partialBias = new float[slices][];
        parallel.forEach(slices, sl -> {
            float[] acc = new float[pairs * k * wide]; // [t][r][K][kx*C (+ dropped columns)]
            float[] dyT = new float[k * plane]; // [K][oy*wp + ox], zero where ox >= wo
            float[] bias = withBias ? new float[k] : null;
            int[] weightOffset = new int[1];
            for (int pl = Parallel.sliceStart(planes, slices, sl);
                    pl < Parallel.sliceStart(planes, slices, sl + 1);
                    pl++) {
                int oz = pl % ys.d(), n = pl / ys.d();
                for (int oy = 0; oy < ho; oy++) {
                    int src = (pl * ho + oy) * wo * k;
                    for (int ox = 0; ox < wo; ox++)
                        for (int ko = 0; ko < k; ko++) dyT[ko * plane + oy * wp + ox] = dy[src + ox * k + ko];
                }
                if (bias != null) sumRows(dy, pl * ho * wo, ho * wo, k, bias);
                for (int t = 0; t < kk[0]; t++) {
                    for (int r = 0; r < kk[1]; r++) {
                        weightOffset[0] = ((n * dp + oz + t) * hp + r) * wp * c;
                        DirectConv.block(
                                k,
                                1,
                                ZERO,
                                weightOffset,
                                plane,
                                dyT,
                                0,
                                plane,
                                xp,
                                c,
                                wide,
                                tail,
                                acc,
                                (t * kk[1] + r) * k * wide,
                                wide,
                                true);
                    }
                }
            }
            partial[sl] = acc;
            partialBias[sl] = bias;
        });
        pool.give(xp);
        return weightGrads(partial, partialBias, k, pairs, window, wide, withBias);
    }

    /**
     * x with its padding p made explicit, [N][D+2pz][H+2py][W+2px][C], and `slack` floats after it; only the padding
     * and the slack are written as zeros, the rest is copied once.
     */
    private float[] padded(float[] x, Shape xs, int[] p, int slack) {
        int c = xs.c(), w = xs.w(), dp = xs.d() + 2 * p[0], hp = xs.h() + 2 * p[1], wp = w + 2 * p[2];
        int rowLength = wp * c, planeLength = hp * rowLength, total = xs.n() * dp * planeLength;
        float[] xp = pool.dirty(total + slack);
        Arrays.fill(xp, total, total + slack, 0f);
        parallel.forEach(xs.n() * dp, plane -> {
            int n = plane / dp, z = plane % dp - p[0], base = plane * planeLength;
            if (z < 0 || z >= xs.d()) {
                Arrays.fill(xp, base, base + planeLength, 0f);
                return;
            }
            for (int y = -p[1]; y < xs.h() + p[1]; y++) {
                int dst = base + (y + p[1]) * rowLength;
                if (y < 0 || y >= xs.h()) {
                    Arrays.fill(xp, dst, dst + rowLength, 0f);
                    continue;
                }
                Arrays.fill(xp, dst, dst + p[2] * c, 0f);
                System.arraycopy(x, ((n * xs.d() + z) * xs.h() + y) * w * c, xp, dst + p[2] * c, w * c);
                Arrays.fill(xp, dst + (p[2] + w) * c, dst + rowLength, 0f);
            }
        });
        return xp;
    }

    /**
     * Adds the slices' partial sums in order and reorders [t][r][K][kx*C] (rows `wide` apart, of which the first
     * `window` count) into the weight layout [K][t][r][kx*C].
     */
    private static float[][] weightGrads(
            float[][] partial, float[][] partialBias, int k, int pairs, int window, int wide, boolean withBias) {
        float[] sum = sumInOrder(partial);
        float[] dw = new float[k * pairs * window]; // [K][t][r][kx*C] = KTRSC
        for (int pr = 0; pr < pairs; pr++) {
            for (int ko = 0; ko < k; ko++)
                System.arraycopy(sum, (pr * k + ko) * wide, dw, (ko * pairs + pr) * window, window);
        }
        return new float[][] {dw, withBias ? sumInOrder(partialBias) : null};
    }

    // ------------------------------------------------------------------ transposed convolution (kernel = stride)

    float[] transposedForward(float[] x, Shape xs, float[] w, int co, float[] bias, int[] st, Shape ys) {
        int ci = xs.c(), taps = st[0] * st[1] * st[2], cols = taps * co;
        float[] y = pool.dirty(ys.size()); // every output voxel is one input voxel's sub-voxel
        int m = xs.n() * xs.spatial();
        parallel.forEach(ceilDiv(m, TILE), tile -> {
            int m0 = tile * TILE, rows = Math.min(TILE, m - m0);
            float[] out = Scratch.get(1, rows * cols);
            Gemm.multiply(rows, cols, ci, x, m0 * ci, ci, w, 0, cols, out, 0, cols, false);
            for (int i = 0; i < rows; i++) {
                int[] base = upsampledCorner(m0 + i, xs, st);
                for (int tap = 0; tap < taps; tap++) {
                    int dst = subVoxel(base, tap, st, ys) * co, src = i * cols + tap * co;
                    for (int j = 0; j < co; j++) y[dst + j] = out[src + j] + (bias == null ? 0f : bias[j]);
                }
            }
        });
        return y;
    }

    float[] transposedBackwardData(float[] dy, Shape ys, float[] w, int ci, int[] st, Shape xs) {
        int co = ys.c(), taps = st[0] * st[1] * st[2], red = taps * co;
        float[] wt = new float[red * ci];
        Gemm.transpose(ci, red, w, 0, red, wt, 0, ci);
        float[] dx = pool.dirty(xs.size()); // the GEMM overwrites every row
        int m = xs.n() * xs.spatial();
        parallel.forEach(ceilDiv(m, TILE), tile -> {
            int m0 = tile * TILE, rows = Math.min(TILE, m - m0);
            float[] col = Scratch.get(0, rows * red);
            gatherSubVoxels(dy, ys, xs, st, m0, rows, col);
            Gemm.multiply(rows, ci, red, col, 0, red, wt, 0, ci, dx, m0 * ci, ci, false);
        });
        return dx;
    }

    float[][] transposedBackwardWeight(float[] x, Shape xs, float[] dy, Shape ys, int[] st, boolean withBias) {
        int ci = xs.c(), co = ys.c(), taps = st[0] * st[1] * st[2], red = taps * co;
        int m = xs.n() * xs.spatial();
        int slices = Math.max(1, Math.min(MAX_SLICES, m / (4 * TILE)));
        float[][] partial = new float[slices][];
        float[][] partialBias = new float[slices][];
        parallel.forEach(slices, sl -> {
            int from = Parallel.sliceStart(m, slices, sl), to = Parallel.sliceStart(m, slices, sl + 1);
            float[] acc = new float[ci * red];
            float[] accBias = withBias ? new float[red] : null;
            for (int m0 = from; m0 < to; m0 += TILE) {
                int rows = Math.min(TILE, to - m0);
                float[] col = Scratch.get(0, rows * red);
                float[] xT = Scratch.get(1, rows * ci);
                gatherSubVoxels(dy, ys, xs, st, m0, rows, col);
                Gemm.transpose(rows, ci, x, m0 * ci, ci, xT, 0, rows);
                Gemm.multiply(ci, red, rows, xT, 0, rows, col, 0, red, acc, 0, red, true);
                if (accBias != null) sumRows(col, 0, rows, red, accBias);
            }
            partial[sl] = acc;
            partialBias[sl] = accBias;
        });
        float[] db = null;
        if (withBias) {
            float[] perTap = sumInOrder(partialBias);
            db = new float[co];
            for (int tap = 0; tap < taps; tap++) for (int j = 0; j < co; j++) db[j] += perTap[tap * co + j];
        }
        return new float[][] {sumInOrder(partial), db};
    }

    /** Row i of col: the taps*Cout gradient values of the sub-voxels that input voxel m0+i produced. */
    private static void gatherSubVoxels(float[] dy, Shape ys, Shape xs, int[] st, int m0, int rows, float[] col) {
        int co = ys.c(), taps = st[0] * st[1] * st[2];
        for (int i = 0; i < rows; i++) {
            int[] base = upsampledCorner(m0 + i, xs, st);
            for (int tap = 0; tap < taps; tap++) {
                System.arraycopy(dy, subVoxel(base, tap, st, ys) * co, col, (i * taps + tap) * co, co);
            }
        }
    }

    /** {n, z, y, x} of the first output voxel produced by input voxel m. */
    private static int[] upsampledCorner(int m, Shape xs, int[] st) {
        int ix = m % xs.w();
        int rest = m / xs.w();
        int iy = rest % xs.h();
        rest /= xs.h();
        int iz = rest % xs.d();
        int n = rest / xs.d();
        return new int[] {n, iz * st[0], iy * st[1], ix * st[2]};
    }

    private static int subVoxel(int[] base, int tap, int[] st, Shape ys) {
        int q = tap % st[2], r = (tap / st[2]) % st[1], t = tap / (st[1] * st[2]);
        return ((base[0] * ys.d() + base[1] + t) * ys.h() + base[2] + r) * ys.w() + base[3] + q;
    }

    // ------------------------------------------------------------------ helpers

    private static void addBias(float[] y, int m0, int rows, float[] bias, int k) { // rows of k outputs from row m0
        for (int i = 0; i < rows; i++) {
            int o = (m0 + i) * k;
            for (int j = 0; j < k; j++) y[o + j] += bias[j];
        }
    }

    private static void sumRows(float[] a, int m0, int rows, int width, float[] acc) {
        for (int i = 0; i < rows; i++) {
            int o = (m0 + i) * width;
            for (int j = 0; j < width; j++) acc[j] += a[o + j];
        }
    }

    private static float[] sumInOrder(float[][] parts) {
        float[] total = parts[0];
        for (int s = 1; s < parts.length; s++) {
            float[] p = parts[s];
            for (int i = 0; i < total.length; i++) total[i] += p[i];
        }
        return total;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
