package org.backsplit.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AxisOrderTest {
    static final int[][] PERMUTATIONS = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    @Test
    void forwardThenBackwardIsTheIdentityForEveryPermutation() {
        int[] dims = {5, 3, 4};
        float[] v = new float[60];
        Random rng = new Random(1);
        for (int i = 0; i < v.length; i++) v[i] = rng.nextFloat();
        for (int[] t : PERMUTATIONS) {
            AxisOrder o = AxisOrder.ofNnUNetTranspose(t);
            assertArrayEquals(t, o.nnUNetTranspose());
            float[] there = o.forward(v, dims);
            assertArrayEquals(v, o.backward(there, dims), 0f);
            // a voxel lands where the permutation says: model coordinate a' is image coordinate source[a']
            int[] m = o.dims(dims), image = {4, 1, 2};
            int[] model = {image[o.source()[0]], image[o.source()[1]], image[o.source()[2]]};
            assertEquals(
                    v[(image[2] * dims[1] + image[1]) * dims[0] + image[0]],
                    there[(model[2] * m[1] + model[1]) * m[0] + model[0]]);
        }
    }

    @Test
    void nnUNetsTransposeCountsArrayAxesZYX() {
        // transpose_forward [2, 0, 1]: the model's first array axis (its z) is the image's x
        AxisOrder o = AxisOrder.ofNnUNetTranspose(new int[] {2, 0, 1});
        // image array (z, y, x) = (7, 5, 3) becomes (3, 7, 5): model dims {x', y', z'} = {5, 7, 3}
        assertArrayEquals(new int[] {5, 7, 3}, o.dims(new int[] {3, 5, 7}));
        assertArrayEquals(new double[] {1, 2, 3}, o.spacing(new double[] {3, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> new AxisOrder(new int[] {0, 0, 1}));
    }
}
