package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.BackSplitEntry;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `compose` rebuilds a full label map from a lesion-only dataset and per-case organ label maps with their own table; a
 * case without an organ file is kept and listed, and `train` finds the targets in dataset.json.
 */
class ComposeCommandTest {

    @Test
    void composesLesionAndOrganMapsBackIntoTheFullLabels(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full");
        SyntheticAbdomen.write(full, 3, 0, 5);
        // split each case: a lesion-only dataset, and an organ map with its own numbering (as an organ model writes it)
        Path lesionOnly = dir.resolve("lesion"), organs = Files.createDirectories(dir.resolve("organs"));
        Files.createDirectories(lesionOnly.resolve("imagesTr"));
        Files.createDirectories(lesionOnly.resolve("labelsTr"));
        Files.writeString(
                lesionOnly.resolve("dataset.json"),
                "{\"channel_names\": {\"0\": \"CT\"}, \"labels\": {\"background\": 0, \"lesion\": 1}, \"numTraining\": 3, \"file_ending\": \".nii.gz\"}");
        int[] organValue = {0, 0, 7, 3, 9, 1
        }; // our label -> the organ model's value (liver 7, spleen 3, vessel 9, bone 1)
        for (int c = 0; c < 3; c++) {
            String id = String.format("abdomen_%03d", c);
            Files.copy(
                    full.resolve("imagesTr/" + id + "_0000.nii.gz"),
                    lesionOnly.resolve("imagesTr/" + id + "_0000.nii.gz"));
            NiftiImage labels = Nifti.read(full.resolve("labelsTr/" + id + ".nii.gz"));
            float[] lesion = new float[labels.data().length], organ = new float[lesion.length];
            for (int i = 0; i < lesion.length; i++) {
                int v = (int) labels.data()[i];
                lesion[i] = v == 1 ? 1 : 0;
                organ[i] = v == 1 ? 7 : organValue[v]; // lesions lie in the liver
            }
            Nifti.write(lesionOnly.resolve("labelsTr/" + id + ".nii.gz"), labels, lesion, NiftiDatatype.UINT8);
            if (c != 2) Nifti.write(organs.resolve(id + ".nii.gz"), labels, organ, NiftiDatatype.UINT8);
        }
        Path out = dir.resolve("composed");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(
                "compose",
                lesionOnly.toString(),
                "--out",
                out.toString(),
                "--targets",
                "lesion",
                "--aux",
                organs.toString(),
                "--aux-table",
                "7=liver,3=spleen,9=vessel,1=bone",
                "--select",
                "liver,spleen,vessel,bone");
        assertEquals(0, code, err.toString());
        for (int c = 0; c < 2; c++) {
            String id = String.format("abdomen_%03d", c);
            assertArrayEquals(
                    Nifti.read(full.resolve("labelsTr/" + id + ".nii.gz")).data(),
                    Nifti.read(out.resolve("labelsTr/" + id + ".nii.gz")).data(),
                    id);
        }
        BackSplitEntry entry = BackSplitEntry.read(out.resolve("dataset.json")).orElseThrow();
        assertEquals(List.of("lesion"), entry.targets());
        assertEquals(List.of("liver", "spleen", "vessel", "bone"), entry.auxiliary());
        assertEquals(List.of("abdomen_002"), entry.casesWithoutAuxiliary());
    }
}
