package org.backsplit.backend.reference;

import org.backsplit.backend.AdamStep;
import org.backsplit.backend.AttentionGrads;
import org.backsplit.backend.AttentionOutput;
import org.backsplit.backend.Backend;
import org.backsplit.backend.ConvGeometry;
import org.backsplit.backend.Gelu;
import org.backsplit.backend.GroupNormGrads;
import org.backsplit.backend.GroupNormOutput;
import org.backsplit.backend.LayerNormGrads;
import org.backsplit.backend.LayerNormOutput;
import org.backsplit.backend.LossResult;
import org.backsplit.backend.LossSpec;
import org.backsplit.backend.NearestExact;
import org.backsplit.backend.RowGather;
import org.backsplit.backend.SgdStep;
import org.backsplit.backend.WeightGrads;
import org.backsplit.backend.WindowLayout;
import org.backsplit.tensor.Shape;
import org.backsplit.tensor.Tensor;

/**
 * The oracle: every operation written as plainly as its definition, in double precision, single-threaded. Its own
 * gradients are checked by central finite differences; the fast backends are checked against it. Never fast, never
 * clever.
 */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference-f64";
    }

    private static double[] d(Tensor t) {
        return ((ReferenceTensor) t).data();
    }

    private ReferenceTensor make(Shape s) {
        return new ReferenceTensor(s, new double[s.size()]);
    }

    private static int at(Shape s, int n, int z, int y, int x, int c) {
        return (((n * s.d() + z) * s.h() + y) * s.w() + x) * s.c() + c;
    }

    @Override
    public Tensor zeros(Shape shape) {
        return make(shape);
    }

    @Override
    public Tensor upload(float[] data, Shape shape) {
        double[] v = new double[data.length];
        for (int i = 0; i < v.length; i++) v[i] = data[i];
        return new ReferenceTensor(shape, v);
    }

    @Override
    public float[] download(Tensor t) {
        double[] v = d(t);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    @Override
    public Tensor uploadExact(double[] data, Shape shape) {
        return new ReferenceTensor(shape, data.clone());
    }

    @Override
    public double[] downloadExact(Tensor t) {
        return d(t).clone();
    }

    // ---- convolution ----

    @Override
    public Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvGeometry g) {
        Shape xs = x.shape(), ws = weight.shape();
        int K = ws.dim(0), C = xs.c();
        Shape ys = g.outShape(xs, K);
        ReferenceTensor y = make(ys);
        double[] xd = d(x), wd = d(weight), yd = y.data(), bd = bias == null ? null : d(bias);
        int[] k = g.kernel(), s = g.stride(), p = g.padding();
        for (int n = 0; n < ys.n(); n++)
            for (int oz = 0; oz < ys.d(); oz++)
                for (int oy = 0; oy < ys.h(); oy++)
                    for (int ox = 0; ox < ys.w(); ox++)
                        for (int ko = 0; ko < K; ko++) {
                            double acc = bd == null ? 0 : bd[ko];
                            for (int t = 0; t < k[0]; t++)
                                for (int r = 0; r < k[1]; r++)
                                    for (int q = 0; q < k[2]; q++) {
                                        int iz = oz * s[0] - p[0] + t,
                                                iy = oy * s[1] - p[1] + r,
                                                ix = ox * s[2] - p[2] + q;
                                        if (iz < 0 || iz >= xs.d() || iy < 0 || iy >= xs.h() || ix < 0 || ix >= xs.w())
                                            continue;
                                        for (int c = 0; c < C; c++) {
                                            acc += xd[at(xs, n, iz, iy, ix, c)]
                                                    * wd[(((ko * k[0] + t) * k[1] + r) * k[2] + q) * C + c];
                                        }
                                    }
                            yd[at(ys, n, oz, oy, ox, ko)] = acc;
                        }
        return y;
    }

    @Override
    public Tensor conv3dBackwardData(Tensor dy, Tensor weight, ConvGeometry g, Shape xs) {
        Shape ys = dy.shape();
        int K = ys.c(), C = xs.c();
        ReferenceTensor dx = make(xs);
        double[] dyd = d(dy), wd = d(weight), dxd = dx.data();
        int[] k = g.kernel(), s = g.stride(), p = g.padding();
        for (int n = 0; n < ys.n(); n++)
            for (int oz = 0; oz < ys.d(); oz++)
                for (int oy = 0; oy < ys.h(); oy++)
                    for (int ox = 0; ox < ys.w(); ox++)
                        for (int t = 0; t < k[0]; t++)
                            for (int r = 0; r < k[1]; r++)
                                for (int q = 0; q < k[2]; q++) {
                                    int iz = oz * s[0] - p[0] + t, iy = oy * s[1] - p[1] + r, ix = ox * s[2] - p[2] + q;
                                    if (iz < 0 || iz >= xs.d() || iy < 0 || iy >= xs.h() || ix < 0 || ix >= xs.w())
                                        continue;
                                    for (int ko = 0; ko < K; ko++) {
                                        double gy = dyd[at(ys, n, oz, oy, ox, ko)];
                                        for (int c = 0; c < C; c++) {
                                            dxd[at(xs, n, iz, iy, ix, c)] +=
                                                    gy * wd[(((ko * k[0] + t) * k[1] + r) * k[2] + q) * C + c];
                                        }
                                    }
                                }
        return dx;
    }

    @Override
    public WeightGrads conv3dBackwardWeight(Tensor x, Tensor dy, ConvGeometry g, boolean withBias) {
        Shape xs = x.shape(), ys = dy.shape();
        int K = ys.c(), C = xs.c();
        int[] k = g.kernel(), s = g.stride(), p = g.padding();
        ReferenceTensor dw = make(new Shape(K, k[0], k[1], k[2], C));
        ReferenceTensor db = withBias ? make(new Shape(K)) : null;
        double[] xd = d(x), dyd = d(dy), dwd = dw.data();
        for (int n = 0; n < ys.n(); n++)
            for (int oz = 0; oz < ys.d(); oz++)
                for (int oy = 0; oy < ys.h(); oy++)
                    for (int ox = 0; ox < ys.w(); ox++)
                        for (int ko = 0; ko < K; ko++) {
                            double gy = dyd[at(ys, n, oz, oy, ox, ko)];
                            if (db != null) db.data()[ko] += gy;
                            for (int t = 0; t < k[0]; t++)
                                for (int r = 0; r < k[1]; r++)
                                    for (int q = 0; q < k[2]; q++) {
                                        int iz = oz * s[0] - p[0] + t,
                                                iy = oy * s[1] - p[1] + r,
                                                ix = ox * s[2] - p[2] + q;
                                        if (iz < 0 || iz >= xs.d() || iy < 0 || iy >= xs.h() || ix < 0 || ix >= xs.w())
                                            continue;
                                        for (int c = 0; c < C; c++) {
                                            dwd[(((ko * k[0] + t) * k[1] + r) * k[2] + q) * C + c] +=
                                                    gy * xd[at(xs, n, iz, iy, ix, c)];
                                        }
                                    }
                        }
        return new WeightGrads(dw, db);
    }

    // ---- transposed convolution, kernel = stride ----

    @Override
    public Tensor convTranspose3d(Tensor x, Tensor weight, Tensor bias, int[] st) {
        Shape xs = x.shape(), ws = weight.shape();
        int Ci = xs.c(), Co = ws.dim(4);
        Shape ys = Shape.ndhwc(xs.n(), xs.d() * st[0], xs.h() * st[1], xs.w() * st[2], Co);
        ReferenceTensor y = make(ys);
        double[] xd = d(x), wd = d(weight), bd = bias == null ? null : d(bias);
        for (int n = 0; n < ys.n(); n++)
            for (int oz = 0; oz < ys.d(); oz++)
                for (int oy = 0; oy < ys.h(); oy++)
                    for (int ox = 0; ox < ys.w(); ox++) {
                        int iz = oz / st[0], iy = oy / st[1], ix = ox / st[2];
                        int t = oz % st[0], r = oy % st[1], q = ox % st[2];
                        for (int ko = 0; ko < Co; ko++) {
                            double acc = bd == null ? 0 : bd[ko];
                            for (int c = 0; c < Ci; c++) {
                                acc += xd[at(xs, n, iz, iy, ix, c)]
                                        * wd[(((c * st[0] + t) * st[1] + r) * st[2] + q) * Co + ko];
                            }
                            y.data()[at(ys, n, oz, oy, ox, ko)] = acc;
                        }
                    }
        return y;
    }

    @Override
    public Tensor convTranspose3dBackwardData(Tensor dy, Tensor weight, int[] st) {
        Shape ys = dy.shape(), ws = weight.shape();
        int Ci = ws.dim(0), Co = ys.c();
        Shape xs = Shape.ndhwc(ys.n(), ys.d() / st[0], ys.h() / st[1], ys.w() / st[2], Ci);
        ReferenceTensor dx = make(xs);
        double[] dyd = d(dy), wd = d(weight);
        for (int n = 0; n < ys.n(); n++)
            for (int oz = 0; oz < ys.d(); oz++)
                for (int oy = 0; oy < ys.h(); oy++)
                    for (int ox = 0; ox < ys.w(); ox++) {
                        int iz = oz / st[0], iy = oy / st[1], ix = ox / st[2];
                        int t = oz % st[0], r = oy % st[1], q = ox % st[2];
                        for (int c = 0; c < Ci; c++) {
                            double acc = 0;
                            for (int ko = 0; ko < Co; ko++) {
                                acc += dyd[at(ys, n, oz, oy, ox, ko)]
                                        * wd[(((c * st[0] + t) * st[1] + r) * st[2] + q) * Co + ko];
                            }
                            dx.data()[at(xs, n, iz, iy, ix, c)] += acc;
                        }
                    }
        return dx;
    }

    @Override
    public WeightGrads convTranspose3dBackwardWeight(Tensor x, Tensor dy, int[] st, boolean withBias) {
        Shape xs = x.shape(), ys = dy.shape();
        int Ci = xs.c(), Co = ys.c();
        ReferenceTensor dw = make(new Shape(Ci, st[0], st[1], st[2], Co));
        ReferenceTensor db = withBias ? make(new Shape(Co)) : null;
        double[] xd = d(x), dyd = d(dy);
        for (int n = 0; n < ys.n(); n++)
            for (int oz = 0; oz < ys.d(); oz++)
                for (int oy = 0; oy < ys.h(); oy++)
                    for (int ox = 0; ox < ys.w(); ox++) {
                        int iz = oz / st[0], iy = oy / st[1], ix = ox / st[2];
                        int t = oz % st[0], r = oy % st[1], q = ox % st[2];
                        for (int ko = 0; ko < Co; ko++) {
                            double gy = dyd[at(ys, n, oz, oy, ox, ko)];
                            if (db != null) db.data()[ko] += gy;
                            for (int c = 0; c < Ci; c++) {
                                dw.data()[(((c * st[0] + t) * st[1] + r) * st[2] + q) * Co + ko] +=
                                        gy * xd[at(xs, n, iz, iy, ix, c)];
                            }
                        }
                    }
        return new WeightGrads(dw, db);
    }

    // ---- group norm and LeakyReLU ----

    @Override
    public GroupNormOutput groupNorm(Tensor x, Tensor gamma, Tensor beta, int groups, double eps) {
        Shape s = x.shape();
        int N = s.n(), C = s.c(), V = s.spatial(), per = Backend.channelsPerGroup(C, groups);
        double[] xd = d(x), gd = d(gamma), bd = d(beta);
        ReferenceTensor y = make(s), mean = make(new Shape(N, C)), rstd = make(new Shape(N, C));
        for (int n = 0; n < N; n++)
            for (int g = 0; g < groups; g++) {
                int c0 = g * per;
                double sum = 0;
                for (int v = 0; v < V; v++) for (int c = c0; c < c0 + per; c++) sum += xd[(n * V + v) * C + c];
                double mu = sum / ((double) V * per), sq = 0;
                for (int v = 0; v < V; v++)
                    for (int c = c0; c < c0 + per; c++) {
                        double e = xd[(n * V + v) * C + c] - mu;
                        sq += e * e;
                    }
                double rs = 1.0 / Math.sqrt(sq / ((double) V * per) + eps);
                for (int c = c0; c < c0 + per; c++) {
                    mean.data()[n * C + c] = mu;
                    rstd.data()[n * C + c] = rs;
                    for (int v = 0; v < V; v++) {
                        int i = (n * V + v) * C + c;
                        y.data()[i] = (xd[i] - mu) * rs * gd[c] + bd[c];
                    }
                }
            }
        return new GroupNormOutput(y, mean, rstd);
    }

    /**
     * With xhat = (x - mean) * rstd and M the group's element count: dx = rstd * (gamma*dy - sum(gamma*dy)/M - xhat *
     * sum(gamma*dy*xhat)/M), sums over the group.
     */
    @Override
    public GroupNormGrads groupNormBackward(Tensor dy, Tensor x, Tensor gamma, GroupNormOutput saved, int groups) {
        Shape s = x.shape();
        int N = s.n(), C = s.c(), V = s.spatial(), per = Backend.channelsPerGroup(C, groups);
        double[] xd = d(x), dyd = d(dy), gd = d(gamma), md = d(saved.mean()), rd = d(saved.rstd());
        ReferenceTensor dx = make(s), dg = make(new Shape(C)), db = make(new Shape(C));
        double m = (double) V * per;
        for (int n = 0; n < N; n++)
            for (int g = 0; g < groups; g++) {
                int c0 = g * per;
                double sumGdy = 0, sumGdyXhat = 0;
                for (int v = 0; v < V; v++)
                    for (int c = c0; c < c0 + per; c++) {
                        int i = (n * V + v) * C + c;
                        double xhat = (xd[i] - md[n * C + c]) * rd[n * C + c];
                        sumGdy += gd[c] * dyd[i];
                        sumGdyXhat += gd[c] * dyd[i] * xhat;
                        dg.data()[c] += dyd[i] * xhat;
                        db.data()[c] += dyd[i];
                    }
                for (int v = 0; v < V; v++)
                    for (int c = c0; c < c0 + per; c++) {
                        int i = (n * V + v) * C + c;
                        double xhat = (xd[i] - md[n * C + c]) * rd[n * C + c];
                        dx.data()[i] = rd[n * C + c] * (gd[c] * dyd[i] - sumGdy / m - xhat * sumGdyXhat / m);
                    }
            }
        return new GroupNormGrads(dx, dg, db);
    }

    @Override
    public GroupNormOutput groupNormLeakyRelu(
            Tensor x, Tensor gamma, Tensor beta, int groups, double eps, double slope) {
        GroupNormOutput n = groupNorm(x, gamma, beta, groups, eps);
        return new GroupNormOutput(leakyRelu(n.y(), slope), n.mean(), n.rstd());
    }

    @Override
    public GroupNormGrads groupNormLeakyReluBackward(
            Tensor dy, Tensor x, Tensor y, Tensor gamma, GroupNormOutput saved, int groups, double slope) {
        return groupNormBackward(leakyReluBackward(dy, y, slope), x, gamma, saved, groups);
    }

    // ---- activation and plumbing ----

    @Override
    public Tensor leakyRelu(Tensor x, double slope) {
        double[] xd = d(x);
        ReferenceTensor y = make(x.shape());
        for (int i = 0; i < xd.length; i++) y.data()[i] = xd[i] > 0 ? xd[i] : slope * xd[i];
        return y;
    }

    @Override
    public Tensor leakyReluBackward(Tensor dy, Tensor y, double slope) {
        double[] dyd = d(dy), yd = d(y);
        ReferenceTensor dx = make(y.shape());
        for (int i = 0; i < yd.length; i++) dx.data()[i] = yd[i] > 0 ? dyd[i] : slope * dyd[i];
        return dx;
    }

    @Override
    public Tensor concatChannels(Tensor a, Tensor b) {
        Shape as = a.shape();
        int ca = as.c(), cb = b.shape().c(), V = as.n() * as.spatial();
        ReferenceTensor out = make(as.withChannels(ca + cb));
        for (int v = 0; v < V; v++) {
            System.arraycopy(d(a), v * ca, out.data(), v * (ca + cb), ca);
            System.arraycopy(d(b), v * cb, out.data(), v * (ca + cb) + ca, cb);
        }
        return out;
    }

    @Override
    public Tensor[] splitChannels(Tensor t, int first) {
        Shape s = t.shape();
        int C = s.c(), V = s.n() * s.spatial();
        ReferenceTensor a = make(s.withChannels(first)), b = make(s.withChannels(C - first));
        for (int v = 0; v < V; v++) {
            System.arraycopy(d(t), v * C, a.data(), v * first, first);
            System.arraycopy(d(t), v * C + first, b.data(), v * (C - first), C - first);
        }
        return new Tensor[] {a, b};
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        ReferenceTensor out = make(a.shape());
        for (int i = 0; i < out.data().length; i++) out.data()[i] = d(a)[i] + d(b)[i];
        return out;
    }

    // ---- transformer operations ----

    @Override
    public LayerNormOutput layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps) {
        Shape s = x.shape();
        int C = s.last(), rows = s.size() / C;
        double[] xd = d(x), g = gamma == null ? null : d(gamma), b = beta == null ? null : d(beta);
        ReferenceTensor y = make(s), mean = make(new Shape(rows)), rstd = make(new Shape(rows));
        for (int r = 0; r < rows; r++) {
            double m = 0, v = 0;
            for (int c = 0; c < C; c++) m += xd[r * C + c];
            m /= C;
            for (int c = 0; c < C; c++) v += (xd[r * C + c] - m) * (xd[r * C + c] - m);
            double rs = 1 / Math.sqrt(v / C + eps);
            mean.data()[r] = m;
            rstd.data()[r] = rs;
            for (int c = 0; c < C; c++) {
                double xhat = (xd[r * C + c] - m) * rs;
                y.data()[r * C + c] = g == null ? xhat : xhat * g[c] + b[c];
            }
        }
        return new LayerNormOutput(y, mean, rstd);
    }

    @Override
    public LayerNormGrads layerNormBackward(Tensor dy, Tensor x, Tensor gamma, LayerNormOutput saved) {
        Shape s = x.shape();
        int C = s.last(), rows = s.size() / C;
        double[] xd = d(x), dyd = d(dy), g = gamma == null ? null : d(gamma);
        double[] mean = d(saved.mean()), rstd = d(saved.rstd());
        ReferenceTensor dx = make(s);
        ReferenceTensor dg = gamma == null ? null : make(new Shape(C)), db = gamma == null ? null : make(new Shape(C));
        for (int r = 0; r < rows; r++) {
            // dL/dxhat = dy * gamma; dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
            double sum = 0, dot = 0;
            for (int c = 0; c < C; c++) {
                double xhat = (xd[r * C + c] - mean[r]) * rstd[r];
                double dxhat = dyd[r * C + c] * (g == null ? 1 : g[c]);
                sum += dxhat;
                dot += dxhat * xhat;
                if (g != null) {
                    dg.data()[c] += dyd[r * C + c] * xhat;
                    db.data()[c] += dyd[r * C + c];
                }
            }
            for (int c = 0; c < C; c++) {
                double xhat = (xd[r * C + c] - mean[r]) * rstd[r];
                double dxhat = dyd[r * C + c] * (g == null ? 1 : g[c]);
                dx.data()[r * C + c] = rstd[r] * (dxhat - sum / C - xhat * dot / C);
            }
        }
        return new LayerNormGrads(dx, dg, db);
    }

    @Override
    public Tensor gelu(Tensor x) {
        double[] xd = d(x);
        ReferenceTensor y = make(x.shape());
        for (int i = 0; i < xd.length; i++) y.data()[i] = Gelu.value(xd[i]);
        return y;
    }

    @Override
    public Tensor geluBackward(Tensor dy, Tensor x) {
        double[] xd = d(x), dyd = d(dy);
        ReferenceTensor dx = make(x.shape());
        for (int i = 0; i < xd.length; i++) dx.data()[i] = dyd[i] * Gelu.derivative(xd[i]);
        return dx;
    }

    @Override
    public Tensor gatherRows(Tensor x, RowGather g) {
        int C = g.width();
        double[] xd = d(x);
        ReferenceTensor y = make(g.targetShape());
        for (int i = 0; i < g.rows(); i++) {
            int src = g.source()[i];
            if (src >= 0) System.arraycopy(xd, src * C, y.data(), i * C, C);
        }
        return y;
    }

    @Override
    public Tensor gatherRowsBackward(Tensor dy, RowGather g) {
        int C = g.width();
        double[] dyd = d(dy);
        ReferenceTensor dx = make(g.sourceShape());
        for (int i = 0; i < g.rows(); i++) {
            int src = g.source()[i];
            if (src >= 0) for (int c = 0; c < C; c++) dx.data()[src * C + c] += dyd[i * C + c];
        }
        return dx;
    }

    @Override
    public AttentionOutput windowAttention(Tensor qkv, Tensor bias, Tensor mask, int heads, double scale) {
        WindowLayout L = new WindowLayout(
                qkv.shape(), heads, mask == null ? 0 : mask.shape().dim(0));
        double[] in = d(qkv), bd = d(bias), md = mask == null ? null : d(mask);
        ReferenceTensor out = make(L.outShape()), probs = make(L.probabilityShape());
        double[] p = probs.data();
        for (int w = 0; w < L.windows(); w++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < L.tokens(); i++) {
                    int row = L.probabilityRow(w, h, i);
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < L.tokens(); j++) {
                        double sc = 0;
                        for (int e = 0; e < L.headDim(); e++) sc += in[L.q(w, i, h, e)] * in[L.k(w, j, h, e)];
                        sc = sc * scale + bd[L.bias(i, j, h)] + (md == null ? 0 : md[L.mask(w, i, j)]);
                        p[row + j] = sc;
                        max = Math.max(max, sc);
                    }
                    double sum = 0;
                    for (int j = 0; j < L.tokens(); j++) sum += p[row + j] = Math.exp(p[row + j] - max);
                    for (int j = 0; j < L.tokens(); j++) p[row + j] /= sum;
                    for (int e = 0; e < L.headDim(); e++) {
                        double o = 0;
                        for (int j = 0; j < L.tokens(); j++) o += p[row + j] * in[L.v(w, j, h, e)];
                        out.data()[L.out(w, i, h, e)] = o;
                    }
                }
        return new AttentionOutput(out, probs);
    }

    @Override
    public AttentionGrads windowAttentionBackward(
            Tensor dout, Tensor qkv, AttentionOutput saved, int heads, double scale) {
        WindowLayout L = new WindowLayout(qkv.shape(), heads, 0);
        double[] in = d(qkv), g = d(dout), p = d(saved.probabilities());
        ReferenceTensor dqkv = make(qkv.shape()), dbias = make(new Shape(L.tokens(), L.tokens(), heads));
        double[] dq = dqkv.data();
        int T = L.tokens();
        double[] ds = new double[T];
        for (int w = 0; w < L.windows(); w++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < T; i++) {
                    int row = L.probabilityRow(w, h, i);
                    // dP_ij = dout_i . v_j; dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij)
                    double rowDot = 0;
                    for (int j = 0; j < T; j++) {
                        double dp = 0;
                        for (int e = 0; e < L.headDim(); e++) dp += g[L.out(w, i, h, e)] * in[L.v(w, j, h, e)];
                        ds[j] = dp;
                        rowDot += p[row + j] * dp;
                    }
                    for (int j = 0; j < T; j++) {
                        ds[j] = p[row + j] * (ds[j] - rowDot);
                        dbias.data()[L.bias(i, j, h)] += ds[j];
                        for (int e = 0; e < L.headDim(); e++) {
                            dq[L.q(w, i, h, e)] += scale * ds[j] * in[L.k(w, j, h, e)];
                            dq[L.k(w, j, h, e)] += scale * ds[j] * in[L.q(w, i, h, e)];
                            dq[L.v(w, j, h, e)] += p[row + j] * g[L.out(w, i, h, e)];
                        }
                    }
                }
        return new AttentionGrads(dqkv, dbias);
    }

    // ---- resampling ----

    @Override
    public Tensor avgPool3d(Tensor x, int[] k) {
        Shape s = x.shape();
        Shape ys = Shape.ndhwc(s.n(), s.d() / k[0], s.h() / k[1], s.w() / k[2], s.c());
        ReferenceTensor y = make(ys);
        forEachPoolTap(s, ys, k, (out, in, w) -> y.data()[out] += w * d(x)[in]);
        return y;
    }

    @Override
    public Tensor avgPool3dBackward(Tensor dy, int[] k, Shape xs) {
        ReferenceTensor dx = make(xs);
        forEachPoolTap(xs, dy.shape(), k, (out, in, w) -> dx.data()[in] += w * d(dy)[out]);
        return dx;
    }

    @Override
    public Tensor upsampleTrilinear(Tensor x, int[] scale) {
        Shape s = x.shape();
        Shape ys = Shape.ndhwc(s.n(), s.d() * scale[0], s.h() * scale[1], s.w() * scale[2], s.c());
        ReferenceTensor y = make(ys);
        forEachTrilinearTap(s, ys, scale, (out, in, w) -> y.data()[out] += w * d(x)[in]);
        return y;
    }

    @Override
    public Tensor upsampleTrilinearBackward(Tensor dy, int[] scale, Shape xs) {
        ReferenceTensor dx = make(xs);
        forEachTrilinearTap(xs, dy.shape(), scale, (out, in, w) -> dx.data()[in] += w * d(dy)[out]);
        return dx;
    }

    /**
     * One term of a linear map from input to output elements: forward adds w*x[in] to y[out], backward the transpose.
     */
    private interface Tap {
        void accept(int out, int in, double weight);
    }

    private static void forEachPoolTap(Shape xs, Shape ys, int[] k, Tap tap) {
        double w = 1.0 / (k[0] * k[1] * k[2]);
        for (int n = 0; n < ys.n(); n++)
            for (int z = 0; z < ys.d(); z++)
                for (int yy = 0; yy < ys.h(); yy++)
                    for (int xx = 0; xx < ys.w(); xx++)
                        for (int c = 0; c < ys.c(); c++)
                            for (int a = 0; a < k[0]; a++)
                                for (int b = 0; b < k[1]; b++)
                                    for (int e = 0; e < k[2]; e++)
                                        tap.accept(
                                                at(ys, n, z, yy, xx, c),
                                                at(xs, n, z * k[0] + a, yy * k[1] + b, xx * k[2] + e, c),
                                                w);
    }

    /** {i0, i1, weight of i1} of output index o on an axis of length `in` upsampled by s (align_corners = False). */
    private static double[] linearSource(int o, int in, int s) {
        double src = Math.max(0, (o + 0.5) / s - 0.5);
        int i0 = Math.min((int) Math.floor(src), in - 1);
        return new double[] {i0, Math.min(i0 + 1, in - 1), src - i0};
    }

    /** The 8 taps of every output element of a trilinear upsampling. */
    private static void forEachTrilinearTap(Shape xs, Shape ys, int[] scale, Tap tap) {
        for (int n = 0; n < ys.n(); n++)
            for (int z = 0; z < ys.d(); z++) {
                double[] sz = linearSource(z, xs.d(), scale[0]);
                for (int yy = 0; yy < ys.h(); yy++) {
                    double[] sy = linearSource(yy, xs.h(), scale[1]);
                    for (int xx = 0; xx < ys.w(); xx++) {
                        double[] sx = linearSource(xx, xs.w(), scale[2]);
                        for (int c = 0; c < ys.c(); c++)
                            for (int a = 0; a < 2; a++)
                                for (int b = 0; b < 2; b++)
                                    for (int e = 0; e < 2; e++) {
                                        double w = (a == 0 ? 1 - sz[2] : sz[2])
                                                * (b == 0 ? 1 - sy[2] : sy[2])
                                                * (e == 0 ? 1 - sx[2] : sx[2]);
                                        tap.accept(
                                                at(ys, n, z, yy, xx, c),
                                                at(xs, n, (int) sz[a], (int) sy[b], (int) sx[e], c),
                                                w);
                                    }
                    }
                }
            }
    }

    // ---- loss ----

    @Override
    public LossResult diceCrossEntropy(Tensor logits, Tensor labels, LossSpec spec) {
        Shape s = logits.shape();
        int N = s.n(), K = s.c(), V = s.spatial();
        double[] z = d(logits), lab = d(labels);
        double[] p = new double[z.length];
        for (int i = 0; i < N * V; i++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int k = 0; k < K; k++) max = Math.max(max, z[i * K + k]);
            for (int k = 0; k < K; k++) sum += Math.exp(z[i * K + k] - max);
            for (int k = 0; k < K; k++) p[i * K + k] = Math.exp(z[i * K + k] - max) / sum;
        }
        int groups = spec.batchDice() ? 1 : N;
        double[][] sums = new double[groups][3 * K]; // tp | sp | sg
        double ceSum = 0;
        long valid = 0;
        for (int n = 0; n < N; n++)
            for (int v = 0; v < V; v++) {
                int i = n * V + v, y = (int) lab[i], g = spec.batchDice() ? 0 : n;
                if (y == spec.ignoreLabel()) continue;
                valid++;
                if (y == spec.mergedLabel()) { // marginal: the voxel is one of the merged classes
                    double q = 0;
                    for (int k = 0; k < K; k++) if (spec.isMerged(k)) q += p[i * K + k];
                    ceSum -= Math.log(q);
                    for (int k = 0; k < K; k++) if (!spec.isMerged(k)) sums[g][K + k] += p[i * K + k];
                    continue;
                }
                ceSum -= Math.log(p[i * K + y]);
                for (int k = 0; k < K; k++) sums[g][K + k] += p[i * K + k];
                sums[g][y] += p[i * K + y];
                sums[g][2 * K + y] += 1;
            }
        // The loss terms and dL/dp coefficients, written out here as the oracle (the fast backends share
        // DiceCrossEntropyCoefficients): dc = (2 tp + s) / max(sp + sg + s, 1e-8), L = wCe*CE - wDice*mean(dc).
        int[] dc = spec.diceClasses();
        double ce = valid > 0 ? ceSum / valid : 0;
        double diceMean = 0;
        double[][] aTp = new double[groups][K], aSp = new double[groups][K];
        int terms = groups * dc.length;
        for (int g = 0; g < groups; g++)
            for (int k : dc) {
                double den = Math.max(sums[g][K + k] + sums[g][2 * K + k] + spec.smooth(), 1e-8);
                double num = 2 * sums[g][k] + spec.smooth();
                diceMean += num / den / terms;
                aTp[g][k] = -spec.weightDice() / terms * 2 / den;
                aSp[g][k] = spec.weightDice() / terms * num / (den * den);
            }
        double loss = spec.weightCe() * ce - spec.weightDice() * diceMean;
        ReferenceTensor grad = make(s);
        for (int n = 0; n < N; n++)
            for (int v = 0; v < V; v++) {
                int i = n * V + v, y = (int) lab[i], g = spec.batchDice() ? 0 : n;
                if (y == spec.ignoreLabel()) continue;
                boolean merged = y == spec.mergedLabel();
                double q = 0;
                if (merged) for (int k = 0; k < K; k++) if (spec.isMerged(k)) q += p[i * K + k];
                double[] a = new double[K];
                for (int k = 0; k < K; k++) {
                    a[k] = merged ? (spec.isMerged(k) ? 0 : aSp[g][k]) : aSp[g][k] + (k == y ? aTp[g][k] : 0);
                }
                double pa = 0;
                for (int k = 0; k < K; k++) pa += p[i * K + k] * a[k];
                for (int k = 0; k < K; k++) {
                    double pk = p[i * K + k];
                    double target = merged ? (spec.isMerged(k) ? pk / q : 0) : (k == y ? 1 : 0);
                    double dce = (pk - target) / valid * spec.weightCe();
                    grad.data()[i * K + k] = spec.weight() * (dce + pk * (a[k] - pa));
                }
            }
        return new LossResult(loss, ce, diceMean, grad);
    }

    @Override
    public Tensor downsampleLabels(Tensor labels, Shape target) {
        Shape s = labels.shape();
        ReferenceTensor out = make(target);
        for (int n = 0; n < target.n(); n++)
            for (int z = 0; z < target.d(); z++)
                for (int y = 0; y < target.h(); y++)
                    for (int x = 0; x < target.w(); x++) {
                        int sz = NearestExact.source(z, s.d(), target.d()),
                                sy = NearestExact.source(y, s.h(), target.h());
                        int sx = NearestExact.source(x, s.w(), target.w());
                        out.data()[at(target, n, z, y, x, 0)] = d(labels)[at(s, n, sz, sy, sx, 0)];
                    }
        return out;
    }

    // ---- optimizer ----

    @Override
    public double sumOfSquares(Tensor t) {
        double s = 0;
        for (double v : d(t)) s += v * v;
        return s;
    }

    @Override
    public void scaleInPlace(Tensor t, double factor) {
        double[] v = d(t);
        for (int i = 0; i < v.length; i++) v[i] *= factor;
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor buf, SgdStep st) {
        double[] p = d(param), g = d(grad), b = d(buf);
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + st.weightDecay() * p[i];
            b[i] = st.first() ? gi : st.momentum() * b[i] + gi;
            p[i] -= st.lr() * (st.nesterov() ? gi + st.momentum() * b[i] : b[i]);
        }
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor mt, Tensor vt, AdamStep st) {
        double[] p = d(param), g = d(grad), m = d(mt), v = d(vt);
        double bc1 = 1 - Math.pow(st.beta1(), st.t()), bc2 = 1 - Math.pow(st.beta2(), st.t());
        for (int i = 0; i < p.length; i++) {
            double gi = g[i];
            if (st.decoupled()) p[i] *= 1 - st.lr() * st.weightDecay();
            else gi += st.weightDecay() * p[i];
            m[i] = st.beta1() * m[i] + (1 - st.beta1()) * gi;
            v[i] = st.beta2() * v[i] + (1 - st.beta2()) * gi * gi;
            double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + st.eps();
            p[i] -= st.lr() / bc1 * m[i] / denom;
        }
    }
}
