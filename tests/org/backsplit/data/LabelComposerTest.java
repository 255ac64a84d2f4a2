package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.data.compose.AuxiliarySource;
import org.backsplit.data.compose.LabelComposer;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Composition of BackSplit labels: priority, selection and renaming, regridding through affines, partial cases. */
class LabelComposerTest {
    private static final NiftiGeometry UNIT = NiftiGeometry.ofSpacing(new double[] {1, 1, 1});

    private static LinkedHashMap<String, String> ordered(String... pairs) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    private static NiftiImage image(int[] dims, float[] data, NiftiGeometry g) {
        return new NiftiImage(dims, NiftiDatatype.UINT8, data, g);
    }

    @Test
    void lesionWinsStructuresMergeAndRenameAndUnlistedOnesAreDropped(@TempDir Path dir) throws Exception {
        int[] dims = {6, 1, 1};
        NiftiImage lesion = image(dims, new float[] {0, 1, 1, 0, 0, 0}, UNIT);
        Path organs = dir.resolve("organs.nii.gz");
        // voxel:            0  1  2  3  4  5   (1 liver, 2 kidney_left, 3 kidney_right, 4 spleen)
        Nifti.write(organs, lesion, new float[] {1, 1, 2, 3, 4, 0}, NiftiDatatype.UINT8);
        LinkedHashMap<String, String> selection = new LinkedHashMap<>();
        selection.put("liver", "liver");
        selection.put("kidney_left", "kidney");
        selection.put("kidney_right", "kidney");
        LabelComposer c = new LabelComposer(List.of("tumor"), selection);
        assertEquals(Map.of("background", 0, "tumor", 1, "liver", 2, "kidney", 3), c.labels());
        LabelComposer.Result r = c.compose(
                "case1",
                lesion,
                new AuxiliarySource.LabelMap(
                        organs, Map.of(1, "liver", 2, "kidney_left", 3, "kidney_right", 4, "spleen")));
        assertArrayEquals(
                new float[] {2, 1, 1, 3, 0, 0}, r.labels()); // voxel 1: tumor over liver; 2: tumor over kidney
        assertEquals(2, r.report().auxUnderLesion());
        assertEquals(
                Map.of("background", 2L, "tumor", 2L, "liver", 1L, "kidney", 1L),
                r.report().voxels());
        assertTrue(r.report().auxiliaryAnnotated());
    }

    @Test
    void maskFolderOrderDecidesOverlapsAndMissingMasksAreReported(@TempDir Path dir) throws Exception {
        int[] dims = {4, 1, 1};
        NiftiImage lesion = image(dims, new float[] {0, 0, 0, 1}, UNIT);
        Path masks = Files.createDirectories(dir.resolve("case7"));
        Nifti.write(masks.resolve("liver.nii.gz"), lesion, new float[] {1, 1, 0, 0}, NiftiDatatype.UINT8);
        Nifti.write(masks.resolve("gallbladder.nii.gz"), lesion, new float[] {0, 1, 1, 0}, NiftiDatatype.UINT8);
        LinkedHashMap<String, String> selection = new LinkedHashMap<>();
        selection.put("liver", "liver");
        selection.put("gallbladder", "gallbladder");
        selection.put("pancreas", "pancreas");
        LabelComposer.Result r = new LabelComposer(List.of("lesion"), selection)
                .compose("case7", lesion, new AuxiliarySource.MaskFolder(masks, ".nii.gz"));
        assertArrayEquals(new float[] {2, 2, 3, 1}, r.labels());
        assertEquals(1, r.report().auxOverlaps());
        assertEquals(List.of("pancreas"), r.report().missingStructures());
    }

    @Test
    void masksOnAnotherGridAreResampledThroughTheAffines(@TempDir Path dir) throws Exception {
        int[] dims = {8, 8, 8};
        NiftiImage lesion = image(dims, new float[512], UNIT);
        // The auxiliary map has 2 mm voxels and its first voxel centred at (-0.5, -0.5, -0.5) mm.
        double[] pix = {1, 2, 2, 2, 1, 1, 1, 1};
        double[][] srow = {{2, 0, 0, -0.5}, {0, 2, 0, -0.5}, {0, 0, 2, -0.5}};
        NiftiGeometry coarse = new NiftiGeometry(pix, 0, 2, new double[3], new double[3], srow, 2);
        float[] values = new float[27];
        for (int i = 0; i < 27; i++) values[i] = 1 + i % 2; // alternating structures 1 and 2
        Path aux = dir.resolve("aux.nii");
        Nifti.write(aux, image(new int[] {3, 3, 3}, values, coarse), values, NiftiDatatype.UINT8);
        LabelComposer c = new LabelComposer(List.of("lesion"), ordered("a", "a", "b", "b"));
        float[] out = c.compose("case", lesion, new AuxiliarySource.LabelMap(aux, Map.of(1, "a", 2, "b")))
                .labels();
        for (int k = 0; k < 8; k++)
            for (int j = 0; j < 8; j++)
                for (int i = 0; i < 8; i++) {
                    // world (i, j, k) lies at source index (x + 0.5) / 2, nearest voxel by rounding; outside 3^3 is 0
                    int si = (int) Math.round((i + 0.5) / 2),
                            sj = (int) Math.round((j + 0.5) / 2),
                            sk = (int) Math.round((k + 0.5) / 2);
                    float want = si > 2 || sj > 2 || sk > 2
                            ? 0
                            : (values[(sk * 3 + sj) * 3 + si] == 1
                                    ? c.labels().get("a")
                                    : c.labels().get("b"));
                    assertEquals(want, out[(k * 8 + j) * 8 + i], "voxel " + i + "," + j + "," + k);
                }
    }

    @Test
    void aCaseWithoutAuxiliaryLabelsKeepsItsLesionAndIsMarkedPartial() throws Exception {
        NiftiImage lesion = image(new int[] {3, 1, 1}, new float[] {0, 1, 0}, UNIT);
        LabelComposer.Result r = new LabelComposer(List.of("lesion"), ordered("liver", "liver"))
                .compose("c", lesion, new AuxiliarySource.None());
        assertArrayEquals(new float[] {0, 1, 0}, r.labels());
        assertFalse(r.report().auxiliaryAnnotated());
        assertTrue(r.report().missingStructures().isEmpty());
        assertThrows(
                IllegalArgumentException.class,
                () -> new LabelComposer(List.of("lesion"), ordered("x", "x"))
                        .compose(
                                "bad",
                                image(new int[] {2, 1, 1}, new float[] {0, 2}, UNIT),
                                new AuxiliarySource.None()));
    }
}
