package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backsplit.backend.LossSpec;
import org.junit.jupiter.api.Test;

/** Dataset labels to training classes in the three modes, with an ignore label and partially annotated cases. */
class ClassMapTest {
    // background 0, kidney 1, tumor 2, liver 3, cyst 4; ignore 5
    private static final Map<String, Integer> LABELS =
            new LinkedHashMap<>(Map.of("background", 0, "kidney", 1, "tumor", 2, "liver", 3, "cyst", 4));
    private static final float[] CASE = {0, 1, 2, 3, 4, 5};

    @Test
    void backsplitKeepsAuxiliaryClassesAfterTheTargets() {
        ClassMap m = new ClassMap(
                LABELS, List.of("tumor", "cyst"), List.of("kidney", "liver"), 5, TrainingMode.BACKSPLIT, true);
        assertEquals(List.of("background", "tumor", "cyst", "kidney", "liver"), m.classNames());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, m.remap(CASE, true)); // ignore -> 5 = K
        // a case without auxiliary labels: its background becomes the merged label 6
        assertArrayEquals(new float[] {6, 3, 1, 4, 2, 5}, m.remap(new float[] {0, 1, 2, 3, 4, 5}, false));
        LossSpec spec = m.lossSpec(true, false);
        assertEquals(5, spec.numClasses());
        assertEquals(5, spec.ignoreLabel());
        assertEquals(6, spec.mergedLabel());
        assertArrayEquals(new int[] {0, 3, 4}, spec.mergedClasses());
        assertArrayEquals(new int[] {1, 2, 3, 4}, spec.diceClasses());
        assertArrayEquals(new int[] {1, 2}, m.lossSpec(true, true).diceClasses());
    }

    @Test
    void naivePartialHandlingTeachesMissingLabelsAsBackground() {
        ClassMap m =
                new ClassMap(LABELS, List.of("tumor"), List.of("kidney", "liver"), 5, TrainingMode.BACKSPLIT, false);
        assertArrayEquals(new float[] {0, 2, 1, 3, 0, 4}, m.remap(CASE, false)); // cyst is neither: background
        assertEquals(-1, m.lossSpec(true, false).mergedLabel());
    }

    @Test
    void binaryAndVirtualFoldAuxiliaryIntoBackground() {
        ClassMap b = ClassMap.of(
                new DatasetJson(Map.of(0, "CT"), LABELS, 1, ".nii.gz", 5), List.of("tumor"), TrainingMode.BINARY, true);
        assertEquals(List.of("background", "tumor"), b.classNames());
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 2}, b.remap(CASE, true));
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 2}, b.remap(CASE, false)); // nothing to merge in binary mode
        ClassMap v = ClassMap.of(
                new DatasetJson(Map.of(0, "CT"), LABELS, 1, ".nii.gz", 5),
                List.of("tumor"),
                TrainingMode.VIRTUAL,
                true);
        assertEquals(List.of("background", "tumor", "virtual"), v.classNames());
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 3}, v.remap(CASE, true)); // no voxel is virtual; ignore -> K = 3
    }

    @Test
    void badNamesAndValuesAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new ClassMap(LABELS, List.of("lesion"), List.of(), -1, TrainingMode.BINARY, true));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ClassMap(LABELS, List.of("tumor"), List.of("tumor"), -1, TrainingMode.BACKSPLIT, true));
        ClassMap m = new ClassMap(LABELS, List.of("tumor"), List.of("kidney"), -1, TrainingMode.BACKSPLIT, true);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> m.remap(new float[] {0, 9}, true));
        assertEquals("label value 9.0 at voxel 1 is not in the dataset's labels", e.getMessage());
    }
}
