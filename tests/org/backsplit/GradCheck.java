package org.backsplit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/**
 * Central finite differences in double precision: for a scalar function of several inputs, compares (f(x+h e_i) - f(x-h
 * e_i)) / 2h with the analytic gradient at up to `samples` elements per input (all of them when the input is small).
 */
public final class GradCheck {
    public interface Fn {
        double value(double[][] inputs);
    }

    private static final double H = 1e-5;

    private GradCheck() {}

    public static void check(String what, Fn f, double[][] inputs, double[][] analytic, int samples, long seed) {
        check(what, f, inputs, analytic, samples, seed, 1e-6);
    }

    public static void check(
            String what, Fn f, double[][] inputs, double[][] analytic, int samples, long seed, double tol) {
        Random rnd = new Random(seed);
        int checked = 0;
        for (int in = 0; in < inputs.length; in++) {
            double[] x = inputs[in];
            double scale = Math.max(TestArrays.maxAbs(analytic[in]), 1e-3);
            int count = Math.min(samples, x.length);
            for (int s = 0; s < count; s++) {
                int i = x.length <= samples ? s : rnd.nextInt(x.length);
                double keep = x[i];
                x[i] = keep + H;
                double up = f.value(inputs);
                x[i] = keep - H;
                double down = f.value(inputs);
                x[i] = keep;
                double numeric = (up - down) / (2 * H);
                double err = Math.abs(numeric - analytic[in][i]) / scale;
                if (!(err <= tol)) {
                    fail(String.format(
                            "%s: input %d element %d: finite difference %.10g, analytic %.10g (rel err %.3g)",
                            what, in, i, numeric, analytic[in][i], err));
                }
                checked++;
            }
        }
        if (checked == 0) fail(what + ": nothing checked");
    }
}
