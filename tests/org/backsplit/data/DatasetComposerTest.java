package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.backsplit.data.compose.AuxiliarySource;
import org.backsplit.data.compose.DatasetComposer;
import org.backsplit.data.compose.LabelComposer;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lesion-only dataset plus organ masks for two of three cases becomes a BackSplit dataset that verifies. */
class DatasetComposerTest {

    @Test
    void composesAVerifiableDatasetWithAReport(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("imagesTr"));
        Files.createDirectories(src.resolve("labelsTr"));
        Files.writeString(
                src.resolve("dataset.json"),
                "{\"channel_names\": {\"0\": \"CT\"}, \"labels\": {\"background\": 0, \"tumor\": 1}, \"numTraining\": 3, \"file_ending\": \".nii.gz\"}");
        NiftiImage grid = new NiftiImage(
                new int[] {4, 4, 2}, NiftiDatatype.FLOAT32, new float[32], NiftiGeometry.ofSpacing(new double[] {1, 1, 2
                }));
        for (int c = 0; c < 3; c++) {
            float[] img = new float[32], lesion = new float[32], liver = new float[32];
            for (int i = 0; i < 32; i++) {
                img[i] = i + c;
                lesion[i] = i == 5 + c ? 1 : 0;
                liver[i] = i < 12 ? 1 : 0;
            }
            Nifti.write(src.resolve("imagesTr/case" + c + "_0000.nii.gz"), grid, img, NiftiDatatype.FLOAT32);
            Nifti.write(src.resolve("labelsTr/case" + c + ".nii.gz"), grid, lesion, NiftiDatatype.UINT8);
            if (c < 2) {
                Files.createDirectories(dir.resolve("organs/case" + c));
                Nifti.write(dir.resolve("organs/case" + c + "/liver.nii.gz"), grid, liver, NiftiDatatype.UINT8);
            }
        }
        LinkedHashMap<String, String> selection = new LinkedHashMap<>();
        selection.put("liver", "liver");
        LabelComposer composer = new LabelComposer(List.of("tumor"), selection);
        Path out = dir.resolve("composed");
        DatasetComposer.Report r = DatasetComposer.compose(
                NnUNetDataset.open(src),
                composer,
                List.of("tumor"),
                id -> id.equals("case2")
                        ? new AuxiliarySource.None()
                        : new AuxiliarySource.MaskFolder(dir.resolve("organs/" + id), ".nii.gz"),
                out);

        assertEquals(List.of("case2"), r.casesWithoutAuxiliary());
        assertEquals(3L, r.voxels().get("tumor"));
        assertEquals(2 * 11L, r.voxels().get("liver")); // 12 liver voxels per annotated case, one under the tumor
        assertEquals(2L, r.auxUnderLesion());
        NnUNetDataset composed = NnUNetDataset.open(out);
        composed.verify();
        assertEquals(3, composed.json().numClasses());
        JsonNode json = new ObjectMapper().readTree(out.resolve("dataset.json").toFile());
        assertEquals(
                "case2",
                json.get("backsplit").get("cases_without_auxiliary").get(0).asText());
        assertEquals(2, json.get("labels").get("liver").asInt());
        assertTrue(Files.exists(out.resolve("composition_report.json")));
        float[] lab = Nifti.read(out.resolve("labelsTr/case0.nii.gz")).data();
        assertEquals(1f, lab[5]);
        assertEquals(2f, lab[0]);
        assertEquals(0f, lab[20]);
    }
}
