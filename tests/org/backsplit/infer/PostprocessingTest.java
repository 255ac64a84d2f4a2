package org.backsplit.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.run.PostprocessingChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Largest-component postprocessing: what it removes, and when cross-validation adopts it. */
class PostprocessingTest {
    private static final int[] D = {10, 10, 4};

    private static void box(float[] m, int x0, int y0, int x1, int y1, float v) {
        for (int z = 1; z < 3; z++)
            for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) m[(z * D[1] + y) * D[0] + x] = v;
    }

    private static int count(float[] m, float v) {
        int n = 0;
        for (float x : m) if (x == v) n++;
        return n;
    }

    @Test
    void keepsTheLargestComponentOfTheListedLabelsOnly() throws Exception {
        float[] m = new float[400];
        box(m, 0, 0, 4, 4, 1); // 32 voxels
        box(m, 7, 7, 9, 9, 1); // 8 voxels, not touching
        box(m, 0, 7, 2, 9, 2); // another label, kept as it is
        box(m, 5, 0, 6, 1, 2);
        Postprocessing pp = new Postprocessing(List.of(1));
        pp.apply(m, D);
        assertEquals(32, count(m, 1));
        assertEquals(8 + 2, count(m, 2));
        assertEquals(400 - 42, count(m, 0));
        Path f = Path.of(System.getProperty("java.io.tmpdir")).resolve("pp-" + System.nanoTime() + ".json");
        pp.write(f);
        assertEquals(pp, Postprocessing.read(f));
    }

    @Test
    void crossValidationAdoptsItOnlyWhereItRaisesDice(@TempDir Path dir) throws Exception {
        NiftiImage grid = new NiftiImage(
                D.clone(), NiftiDatatype.UINT8, new float[400], NiftiGeometry.ofSpacing(new double[] {1, 1, 1}));
        float[] ref = new float[400], pred = new float[400];
        box(ref, 0, 0, 4, 4, 1); // label 1: one lesion, found, plus a false-positive blob -> the rule helps
        box(pred, 0, 0, 4, 4, 1);
        box(pred, 7, 7, 9, 9, 1);
        box(ref, 0, 6, 3, 9, 2); // label 2: two true lesions, both found -> the rule hurts
        box(ref, 6, 0, 8, 2, 2);
        box(pred, 0, 6, 3, 9, 2);
        box(pred, 6, 0, 8, 2, 2);
        Nifti.write(dir.resolve("p.nii.gz"), grid, pred, NiftiDatatype.UINT8);
        Nifti.write(dir.resolve("r.nii.gz"), grid, ref, NiftiDatatype.UINT8);
        PostprocessingChoice.Result r = PostprocessingChoice.decide(
                List.of(dir.resolve("p.nii.gz")), List.of(dir.resolve("r.nii.gz")), List.of(1, 2));
        assertEquals(List.of(1), r.postprocessing().largestComponentOnly());
        assertEquals(2.0 * 32 / (32 + 40), r.meanDiceBeforeAfter().get(1)[0], 1e-12);
        assertEquals(1.0, r.meanDiceBeforeAfter().get(1)[1], 1e-12);
        assertEquals(1.0, r.meanDiceBeforeAfter().get(2)[0], 1e-12);
        assertEquals(2.0 * 18 / (18 + 26), r.meanDiceBeforeAfter().get(2)[1], 1e-12);
    }
}
