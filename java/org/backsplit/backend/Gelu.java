package org.backsplit.backend;

/**
 * GELU in its exact form, x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)) (torch.nn.GELU()), and its derivative, in double.
 * Java has no erf: it is computed from a table of erf on [0, 6] at steps of 1/256 (made once by its series, whose terms
 * are all positive) and a fifth-order Taylor step from the nearest grid point, which is accurate to about 1e-16 and
 * costs a dozen multiply-adds. Beyond 6, erf is 1 in double.
 */
public final class Gelu {
    private static final int STEPS_PER_UNIT = 256;
    private static final double LIMIT = 6;
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double[] ERF = new double[(int) (LIMIT * STEPS_PER_UNIT) + 1];
    private static final double[] SLOPE = new double[ERF.length];

    static {
        for (int i = 0; i < ERF.length; i++) {
            double x = (double) i / STEPS_PER_UNIT;
            ERF[i] = erfSeries(x);
            SLOPE[i] = TWO_OVER_SQRT_PI * Math.exp(-x * x);
        }
    }

    private Gelu() {}

    /** erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), summed until the terms vanish. */
    static double erfSeries(double x) {
        double term = x, sum = x, x2 = x * x;
        for (int n = 0; term > 1e-17 * sum; n++) {
            term *= 2 * x2 / (2 * n + 3);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    public static double erf(double x) {
        double a = Math.abs(x);
        if (a >= LIMIT) return Math.copySign(1, x);
        int i = (int) Math.round(a * STEPS_PER_UNIT);
        double x0 = (double) i / STEPS_PER_UNIT, h = a - x0, x0s = x0 * x0;
        // derivatives of erf at x0, divided by the factorials: g, -2x g / 2, (4x^2 - 2) g / 6, ...
        double poly = 1
                + h
                        * (-x0
                                + h
                                        * ((4 * x0s - 2) / 6
                                                + h
                                                        * ((-8 * x0s * x0 + 12 * x0) / 24
                                                                + h * (16 * x0s * x0s - 48 * x0s + 12) / 120)));
        return Math.copySign(ERF[i] + SLOPE[i] * h * poly, x);
    }

    public static double value(double x) {
        return 0.5 * x * (1 + erf(x * Math.sqrt(0.5)));
    }

    /** Phi(x) + x phi(x). */
    public static double derivative(double x) {
        return 0.5 * (1 + erf(x * Math.sqrt(0.5))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }
}
