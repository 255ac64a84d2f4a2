package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiGeometry;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.FormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nnU-Net's raw layout: a good dataset opens and verifies; each kind of bad one gets an error naming the file. */
public class NnUNetDatasetTest {
    private static final String JSON = """
            {"channel_names": {"0": "CT", "1": "PET"}, "labels": {"background": 0, "lesion": 1, "liver": 2, "ignore": 3},
             "numTraining": 3, "file_ending": ".nii.gz"}""";

    private static final NiftiImage GRID = new NiftiImage(
            new int[] {4, 5, 6}, NiftiDatatype.FLOAT32, new float[120], NiftiGeometry.ofSpacing(new double[] {
                0.8, 0.8, 3.0
            }));

    /** Writes a dataset of `cases` cases, two channels each, labels with values 0..3. */
    public static Path makeDataset(Path dir, int cases) throws Exception {
        Files.createDirectories(dir.resolve("imagesTr"));
        Files.createDirectories(dir.resolve("labelsTr"));
        Files.writeString(dir.resolve("dataset.json"), JSON);
        for (int c = 0; c < cases; c++) {
            float[] img = new float[120], lab = new float[120];
            for (int i = 0; i < 120; i++) {
                img[i] = i * 0.1f + c;
                lab[i] = (i + c) % 4;
            }
            for (int ch = 0; ch < 2; ch++) {
                Nifti.write(
                        dir.resolve(String.format("imagesTr/case%02d_%04d.nii.gz", c, ch)),
                        GRID,
                        img,
                        NiftiDatatype.FLOAT32);
            }
            Nifti.write(dir.resolve(String.format("labelsTr/case%02d.nii.gz", c)), GRID, lab, NiftiDatatype.UINT8);
        }
        return dir;
    }

    @Test
    void opensAndVerifiesAGoodDataset(@TempDir Path dir) throws Exception {
        NnUNetDataset d = NnUNetDataset.open(makeDataset(dir, 3));
        assertEquals(List.of("case00", "case01", "case02"), d.trainingIds());
        assertEquals(3, d.json().numClasses());
        assertEquals(3, d.json().ignoreLabel());
        assertEquals("PET", d.json().channelNames().get(1));
        assertEquals(2, d.training().get(0).images().size());
        d.verify();
    }

    @Test
    void badDatasetsNameTheFileAndTheProblem(@TempDir Path dir) throws Exception {
        Path d = makeDataset(dir.resolve("a"), 3);
        Files.delete(d.resolve("labelsTr/case01.nii.gz"));
        expect(d, "case01.nii.gz", "is missing");

        d = makeDataset(dir.resolve("b"), 3);
        Files.delete(d.resolve("imagesTr/case02_0001.nii.gz"));
        expect(d, "imagesTr", "case case02 lacks channel 1");

        d = makeDataset(dir.resolve("c"), 2);
        expect(d, "dataset.json", "numTraining = 3 but imagesTr holds 2");

        d = makeDataset(dir.resolve("d"), 3);
        Files.writeString(d.resolve("dataset.json"), JSON.replace(".nii.gz\"}", "/../../x.nii.gz\"}"));
        expect(d, "dataset.json", "file_ending");

        d = makeDataset(dir.resolve("e"), 3);
        Files.writeString(d.resolve("dataset.json"), JSON.replace("\"liver\": 2, \"ignore\": 3", "\"liver\": 2"));
        expectOnVerify(d, "case00.nii.gz", "label value 3.0");

        d = makeDataset(dir.resolve("f"), 3);
        NiftiImage other = new NiftiImage(
                new int[] {4, 5, 6}, NiftiDatatype.FLOAT32, new float[120], NiftiGeometry.ofSpacing(new double[] {
                    0.8, 0.9, 3.0
                }));
        Nifti.write(d.resolve("imagesTr/case01_0000.nii.gz"), other, new float[120], NiftiDatatype.FLOAT32);
        expectOnVerify(d, "case01_0000.nii.gz", "different geometry");

        d = makeDataset(dir.resolve("g"), 3);
        float[] nan = new float[120];
        nan[7] = Float.NaN;
        Nifti.write(d.resolve("imagesTr/case02_0000.nii.gz"), GRID, nan, NiftiDatatype.FLOAT32);
        expectOnVerify(d, "case02_0000.nii.gz", "NaN");

        expect(dir.resolve("nowhere"), "nowhere", "is not a folder");
    }

    private static void expect(Path dataset, String file, String problem) {
        FormatException e = assertThrows(FormatException.class, () -> NnUNetDataset.open(dataset));
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(problem), e.getMessage());
    }

    private static void expectOnVerify(Path dataset, String file, String problem) throws Exception {
        NnUNetDataset d = NnUNetDataset.open(dataset);
        FormatException e = assertThrows(FormatException.class, d::verify);
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains(problem), e.getMessage());
    }
}
