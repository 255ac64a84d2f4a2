package org.backsplit.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.backsplit.data.ClassMap;
import org.backsplit.data.DatasetJson;
import org.backsplit.data.TrainingMode;
import org.backsplit.nn.Architecture;
import org.junit.jupiter.api.Test;

/** A chosen subset of auxiliary classes: the others become background, and the run folder says which were kept. */
class RunSettingsTest {
    private static final DatasetJson JSON = new DatasetJson(Map.of(0, "CT"), labels(), 5, ".nii.gz", -1);

    /** In dataset.json's order (Map.of has none). */
    private static Map<String, Integer> labels() {
        Map<String, Integer> m = new java.util.LinkedHashMap<>();
        m.put("background", 0);
        m.put("lesion", 1);
        m.put("liver", 2);
        m.put("spleen", 3);
        return m;
    }

    @Test
    void auxiliarySubsetFoldsTheRestIntoBackground() throws Exception {
        RunSettings all = RunSettings.nnUNet(TrainingMode.BACKSPLIT, List.of("lesion"), 0);
        RunSettings liverOnly = RunSettings.builder(TrainingMode.BACKSPLIT, List.of("lesion"))
                .auxiliary(List.of("liver"))
                .epochs(1)
                .iterationsPerEpoch(1)
                .validationBatches(1)
                .seed(1)
                .features(4, 8)
                .optimizer(all.optimizer())
                .fisherEvery(0)
                .build();
        assertEquals(
                List.of("background", "lesion", "liver", "spleen"),
                all.classes(JSON).classNames());
        ClassMap subset = liverOnly.classes(JSON);
        assertEquals(List.of("background", "lesion", "liver"), subset.classNames());
        assertArrayEquals(
                new float[] {0, 1, 2, 0}, subset.remap(new float[] {0, 1, 2, 3}, true), "spleen becomes background");
        assertEquals("backsplit__PlainConvUNet__3d_fullres", all.configurationName());
        assertEquals("backsplit-liver__PlainConvUNet__3d_fullres", liverOnly.configurationName());
        // a run.json written before the field existed reads as "all auxiliary classes"
        ObjectMapper m = new ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) m.valueToTree(all);
        tree.remove("auxiliary");
        assertEquals(all, m.treeToValue(tree, RunSettings.class));
        // ... and one written before networks could be chosen as the 3D U-Net
        tree.remove("architecture");
        assertEquals(Architecture.UNET, m.treeToValue(tree, RunSettings.class).architecture());
    }

    @Test
    void eachArchitectureHasItsOwnConfigurationFolder() {
        RunSettings d = RunSettings.nnUNet(TrainingMode.BINARY, List.of("lesion"), 0);
        String[] expected = {
            "binary__PlainConvUNet__3d_fullres",
            "binary__ResidualEncoderUNet__3d_fullres",
            "binary__SegResNet__3d_fullres",
            "binary__PlainConvUNet__2d",
            "binary__ResidualEncoderUNet__2d",
            "binary__SwinUNETR__3d_fullres"
        };
        Architecture[] all = Architecture.values();
        for (int i = 0; i < all.length; i++) {
            RunSettings s = d.toBuilder().fisherEvery(0).architecture(all[i]).build();
            assertEquals(expected[i], s.configurationName());
        }
    }
}
