package org.backsplit.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anatomy demo's cases on a small stand-in for Colin27 + AAL (the real package is not in CI): a ball of white
 * matter with deep grey nuclei inside, a cortex shell and a cerebellum below. Lesions land in the white matter with the
 * nuclei's intensity; every file forms a valid nnU-Net dataset.
 */
class SyntheticBrainTest {

    @Test
    void lesionsSitInWhiteMatterAndLookLikeDeepGrey(@TempDir Path dir) throws Exception {
        int n = 72; // 1 mm, taken down to 24 voxels at 3 mm
        float[] t1 = new float[n * n * n], aal = new float[t1.length];
        for (int z = 0; z < n; z++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++) {
                    double r = Math.sqrt(Math.pow(x - 36, 2) + Math.pow(y - 36, 2) + Math.pow(z - 40, 2));
                    int i = (z * n + y) * n + x;
                    if (r < 32) {
                        t1[i] = 112; // white matter
                        if (r > 27) {
                            t1[i] = 88;
                            aal[i] = 3; // cortex (Frontal_Sup_L)
                        } else if (Math.abs(x - 36) < 6 && Math.abs(y - 36) < 6 && Math.abs(z - 40) < 6) {
                            t1[i] = 96;
                            aal[i] = 77; // thalamus
                        }
                    }
                    if (z < 10 && Math.abs(x - 36) < 12 && Math.abs(y - 36) < 12) {
                        t1[i] = 84;
                        aal[i] = 95; // cerebellum
                    }
                }
        NiftiImage grid = new NiftiImage(
                new int[] {n, n, n}, NiftiDatatype.UINT8, new float[t1.length], NiftiGeometry.ofSpacing(new double[] {
                    1, 1, 1
                }));
        Path templates = Files.createDirectories(dir.resolve("templates"));
        Nifti.write(templates.resolve("ch2bet.nii.gz"), grid, t1, NiftiDatatype.UINT8);
        Nifti.write(templates.resolve("aal.nii.gz"), grid, aal, NiftiDatatype.UINT8);

        Path raw = dir.resolve("raw");
        SyntheticBrain.write(raw, templates, 3, 1, 9);
        NnUNetDataset data = NnUNetDataset.open(raw);
        data.verify();
        assertEquals(3, data.training().size());
        for (NnUNetDataset.Case c : data.training()) {
            NiftiImage img = Nifti.read(c.images().get(0)), lab = Nifti.read(c.label());
            assertArrayEquals(new int[] {24, 24, 24}, new int[] {img.dims()[0], img.dims()[1], img.dims()[2]});
            assertArrayEquals(new double[] {3, 3, 3}, img.spacing(), 1e-9);
            int[] count = new int[6];
            double lesionSum = 0;
            for (int i = 0; i < lab.data().length; i++) {
                int k = (int) lab.data()[i];
                count[k]++;
                if (k == 1) lesionSum += img.data()[i];
            }
            for (int k = 1; k < 6; k++)
                assertTrue(count[k] > 0, c.id() + ": class " + SyntheticBrain.LABELS[k] + " present");
            double lesionMean = lesionSum / count[1];
            assertTrue(
                    Math.abs(lesionMean - 96) < 12,
                    c.id() + ": lesions have the nuclei's intensity, mean " + lesionMean); // gain 0.9-1.1
        }
        // deterministic: the same seed gives the same cases
        Path again = dir.resolve("again");
        SyntheticBrain.write(again, templates, 3, 1, 9);
        assertArrayEquals(
                Nifti.read(raw.resolve("labelsTr/brain_001.nii.gz")).data(),
                Nifti.read(again.resolve("labelsTr/brain_001.nii.gz")).data());
    }
}
