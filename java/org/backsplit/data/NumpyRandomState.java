package org.backsplit.data;

/**
 * numpy's legacy RandomState(seed) for an integer seed: MT19937 seeded by init_genrand, and shuffle as numpy draws it
 * (Fisher-Yates from the end, each index by masked rejection sampling). nnU-Net's cross-validation splits come from
 * scikit-learn's KFold(shuffle=True, random_state=12345), which shuffles with exactly this, so reproducing it gives the
 * same folds.
 */
final class NumpyRandomState {
    private static final int N = 624;
    private static final int M = 397;

    private final int[] mt = new int[N];
    private int pos;

    NumpyRandomState(long seed) {
        if (seed < 0 || seed > 0xffffffffL) throw new IllegalArgumentException("seed must be in [0, 2^32)");
        int s = (int) seed;
        for (int i = 0; i < N; i++) {
            mt[i] = s;
            s = 1812433253 * (s ^ (s >>> 30)) + i + 1;
        }
        pos = N;
    }

    /** The next 32 random bits (genrand_int32), as an unsigned value. */
    long nextUint32() {
        if (pos == N) generate();
        int y = mt[pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    private void generate() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        pos = 0;
    }

    /** Uniform in [0, max] by masked rejection (numpy's random_interval, for max < 2^32). */
    long interval(long max) {
        if (max == 0) return 0;
        long mask = max;
        for (int shift = 1; shift <= 16; shift <<= 1) mask |= mask >>> shift;
        long v;
        do {
            v = nextUint32() & mask;
        } while (v > max);
        return v;
    }

    /** Shuffles in place as numpy's RandomState.shuffle does for a 1-D array. */
    void shuffle(int[] a) {
        for (int i = a.length - 1; i >= 1; i--) {
            int j = (int) interval(i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
