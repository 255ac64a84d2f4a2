package org.backsplit.fisher;

/**
 * The paper's Proposition 1 at one voxel, for the final 1x1x1 layer's parameters (weights and bias). With softmax eta,
 * target class c, and the voxel's penultimate features h, the Jacobian of the logits with respect to that layer is J =
 * I_K (x) [h; 1], so every Fisher matrix is a K x K matrix (x) x x^T with x = [h; 1], and its trace is the K x K trace
 * times |x|^2:
 *
 * <ul>
 *   <li>multiclass: I_Y = J^T (Diag(eta) - eta eta^T) J, trace (1 - |eta|^2) |x|^2;
 *   <li>collapsed binary label of class c: I_Z = J^T (eta_c / (1 - eta_c)) (e_c - eta)(e_c - eta)^T J;
 *   <li>missing information: (1 - eta_c) J^T (Diag(pi) - pi pi^T) J, pi_k = eta_k / (1 - eta_c) for k != c, pi_c = 0;
 *       I_Y = I_Z + missing exactly;
 *   <li>shares of the missing trace, one per non-target class k: (1 - eta_c) pi_k |J_k - Jbar|^2 with Jbar = sum_k pi_k
 *       J_k, which sum to the missing trace.
 * </ul>
 */
public final class FisherTerms {
    private FisherTerms() {}

    /** Traces at one voxel; shares[k] for the non-target classes (shares[c] = 0). */
    public record Voxel(double traceY, double traceZ, double traceMissing, double[] shares) {}

    public static Voxel at(double[] eta, double[] features, int c) {
        int k = eta.length;
        double x2 = 1; // the bias's 1
        for (double h : features) x2 += h * h;
        double etaSq = 0;
        for (double e : eta) etaSq += e * e;
        double traceY = (1 - etaSq) * x2;
        double rest = 1 - eta[c];
        double diff = 0; // |e_c - eta|^2
        for (int j = 0; j < k; j++) {
            double d = (j == c ? 1 : 0) - eta[j];
            diff += d * d;
        }
        double traceZ = rest > 0 ? eta[c] / rest * diff * x2 : 0;
        double[] pi = new double[k];
        if (rest > 0) for (int j = 0; j < k; j++) pi[j] = j == c ? 0 : eta[j] / rest;
        double[] shares = new double[k];
        double missing = 0;
        for (int j = 0; j < k; j++) {
            if (j == c) continue;
            double dist = 0; // |e_j - pi|^2, so |J_j - Jbar|^2 = dist * |x|^2
            for (int m = 0; m < k; m++) {
                double d = (m == j ? 1 : 0) - pi[m];
                dist += d * d;
            }
            shares[j] = rest * pi[j] * dist * x2;
            missing += shares[j];
        }
        return new Voxel(traceY, traceZ, missing, shares);
    }
}
