package org.backsplit.infer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.plan.Plan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cases too large for Java's arrays are refused before any voxel is read, with the sizes and the way out. */
class InferenceSizeTest {
    static final Plan PLAN = new Plan(
            new double[] {1, 1, 1},
            new int[] {64, 64, 64},
            new int[] {32, 32, 32},
            2,
            new int[][] {{1, 1, 1}, {2, 2, 2}},
            new int[][] {{3, 3, 3}, {3, 3, 3}},
            List.of("ZScore"),
            List.of(false),
            Arrays.asList((org.backsplit.data.preprocess.IntensityStatistics) null));
    static final int[] TILE = {32, 32, 32};

    @Test
    void sizesAreCheckedFromShapesAlone() {
        String p = "case_0000.nii.gz";
        // 512 x 512 x 300 at the plan's spacing, 4 classes: 315M logits, fits
        assertDoesNotThrow(
                () -> InferenceSize.check(p, new int[] {512, 512, 300}, new double[] {1, 1, 1}, PLAN, TILE, 4, false));
        // the same image at 0.5 mm: upsampled to 1024 x 1024 x 600 x 4 classes = 2.5G logits
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> InferenceSize.check(p, new int[] {512, 512, 300}, new double[] {2, 2, 2}, PLAN, TILE, 4, false));
        assertTrue(e.getMessage().contains("the logits at the plan's spacing need 2516582400 values"), e.getMessage());
        assertTrue(e.getMessage().contains("Crop the image"), e.getMessage());
        // at 0.5 mm the logits at the plan's 1 mm fit (256 x 256 x 150 x 30 classes), all probabilities in the image's
        // grid as one array do not (512 x 512 x 300 x 30)
        assertDoesNotThrow(() ->
                InferenceSize.check(p, new int[] {512, 512, 300}, new double[] {0.5, 0.5, 0.5}, PLAN, TILE, 30, false));
        e = assertThrows(
                IllegalArgumentException.class,
                () -> InferenceSize.check(
                        p, new int[] {512, 512, 300}, new double[] {0.5, 0.5, 0.5}, PLAN, TILE, 30, true));
        assertTrue(e.getMessage().contains("leave out --save-probabilities"), e.getMessage());
    }

    /** A header that promises 2000³ voxels, in a file with no voxels: refused before reading, not out of memory. */
    @Test
    void predictRefusesFromTheHeader(@TempDir Path dir) throws Exception {
        NiftiImage like = Nifti.read(Path.of("tests/resources/nifti/qform_scaled.nii.gz"));
        Path small = dir.resolve("small.nii");
        Nifti.write(small, like, new float[like.data().length], NiftiDatatype.FLOAT32);
        byte[] bytes = Files.readAllBytes(small);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int axis = 1; axis <= 3; axis++) b.putShort(40 + 2 * axis, (short) 2000);
        Path huge = dir.resolve("huge_0000.nii");
        Files.write(huge, Arrays.copyOf(bytes, 352));
        TilePredictor never = new TilePredictor() {
            @Override
            public int classes() {
                return 2;
            }

            @Override
            public float[] predict(float[] channelsLast, int[] tile) {
                throw new AssertionError("nothing may be predicted");
            }
        };
        CasePredictor predictor = new CasePredictor(never, PLAN, TILE, 0.5, 0, new int[] {0, 1}, Postprocessing.none());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> predictor.predict(List.of(huge), dir.resolve("out.nii.gz")));
        assertTrue(e.getMessage().startsWith(huge + ": too large to predict in one piece"), e.getMessage());
    }
}
