package org.backsplit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Random test data and closeness checks shared by the tests. */
public final class TestArrays {
    private TestArrays() {}

    public static double[] gaussian(Random rnd, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian() * scale;
        return v;
    }

    /** Class indices in [0, classes), with about `ignoreFraction` of voxels set to the ignore label. */
    public static double[] labels(Random rnd, int n, int classes, int ignoreLabel, double ignoreFraction) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = ignoreLabel >= 0 && rnd.nextDouble() < ignoreFraction ? ignoreLabel : rnd.nextInt(classes);
        }
        return v;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    public static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** max|actual - expected| relative to max|expected| (the scale of the tensor), must be <= tol. */
    public static double assertRelClose(String what, double[] expected, double[] actual, double tol) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        double scale = Math.max(maxAbs(expected), 1e-30), worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs(actual[i] - expected[i]) / scale;
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        if (!(worst <= tol)) {
            fail(String.format(
                    "%s: relative error %.3g > %.3g at %d (expected %.9g, got %.9g, scale %.3g)",
                    what, worst, tol, at, expected[at], actual[at], scale));
        }
        return worst;
    }

    public static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /**
     * For a value that is exactly zero in exact arithmetic (a conv bias followed by instance norm has zero gradient:
     * the norm removes any shift): every element must be rounding noise, below tol * scale.
     */
    public static void assertZeroUpToRounding(String what, double[] actual, double scale, double tol) {
        double worst = maxAbs(actual);
        if (!(worst <= tol * scale))
            fail(String.format("%s: expected zero up to rounding, max |value| %.3g > %.3g", what, worst, tol * scale));
    }
}
