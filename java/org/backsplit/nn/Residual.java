package org.backsplit.nn;

import java.util.List;
import org.backsplit.backend.Backend;
import org.backsplit.tensor.Tensor;

/** y = branch(x) + x: MONAI's pre-activation ResBlock around its norm-act-conv-norm-act-conv branch. */
public final class Residual implements Layer {
    private final Backend backend;
    private final Layer branch;
    private Tensor branchOut;

    public Residual(Backend backend, Layer branch) {
        this.backend = backend;
        this.branch = branch;
    }

    @Override
    public Tensor forward(Tensor x) {
        branchOut = branch.forward(x);
        return backend.add(branchOut, x);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dBranch = branch.backward(dy);
        branchOut.close();
        branchOut = null;
        Tensor dx = backend.add(dBranch, dy); // the identity path passes dy on unchanged
        dBranch.close();
        return dx;
    }

    @Override
    public void collect(List<Parameter> out) {
        branch.collect(out);
    }
}
