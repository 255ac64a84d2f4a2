package org.backsplit.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.backsplit.cli.Main;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Segmenter segments in memory what `predict` writes, bit for bit, and may be shared between threads. */
class SegmenterTest {
    static final Path ROOT = Path.of("tests/resources/nnunet");
    static final Path MODEL = ROOT.resolve("Dataset901_Tiny/nnUNetTrainer__nnUNetPlans__3d_fullres");

    static List<Path> files(String id) {
        return List.of(
                ROOT.resolve("imagesTs/" + id + "_0000.nii.gz"), ROOT.resolve("imagesTs/" + id + "_0001.nii.gz"));
    }

    @Test
    void segmentsInMemoryWhatPredictWrites(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(
                "predict",
                "--model",
                MODEL.toString(),
                "-f",
                "0",
                "1",
                "--input",
                ROOT.resolve("imagesTs").toString(),
                "--output",
                dir.toString(),
                "--save-probabilities",
                "--device",
                "cpu",
                "--threads",
                "2");
        assertEquals(0, code, err.toString());
        try (Segmenter s = Segmenter.builder(MODEL)
                .device("cpu")
                .threads(2)
                .folds("0", "1")
                .probabilities(true)
                .build()) {
            assertEquals(List.of("background", "organ", "lesion"), s.classNames());
            for (String id : List.of("case_001", "case_002")) {
                Segmentation seg = s.segment(Volume.read(files(id)));
                float[] written = Nifti.read(dir.resolve(id + ".nii.gz")).data();
                int[] expected = new int[written.length];
                for (int i = 0; i < written.length; i++) expected[i] = (int) written[i];
                assertArrayEquals(expected, seg.labels(), id);
                float[] probs = Npy.read(dir.resolve(id + ".npy")).data();
                int v = seg.labels().length;
                for (int c = 0; c < 3; c++)
                    assertArrayEquals(
                            java.util.Arrays.copyOfRange(probs, c * v, (c + 1) * v), seg.probabilities()[c], 0f);

                // written back as NIfTI in the volume's place
                Path back = dir.resolve(id + "_api.nii.gz");
                seg.write(back);
                NiftiImage image = Nifti.read(files(id).get(0)), out = Nifti.read(back);
                assertArrayEquals(image.dims(), out.dims());
                for (int r = 0; r < 4; r++) assertArrayEquals(image.affine()[r], out.affine()[r], 1e-5);
                assertArrayEquals(written, out.data(), 0f);
            }
        }
    }

    @Test
    void oneSegmenterSharedByThreadsGivesWhatItGivesAlone() throws Exception {
        List<Volume> volumes = List.of(Volume.read(files("case_001")), Volume.read(files("case_002")));
        try (Segmenter shared = Segmenter.builder(MODEL)
                .device("cpu")
                .threads(2)
                .folds("0")
                .mirroring(false)
                .build()) {
            List<int[]> alone = new ArrayList<>();
            for (Volume v : volumes) alone.add(shared.segment(v).labels());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<int[]>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Volume v = volumes.get(i % 2);
                    results.add(pool.submit(() -> shared.segment(v).labels()));
                }
                for (int i = 0; i < 8; i++)
                    assertArrayEquals(alone.get(i % 2), results.get(i).get(), "call " + i);
                // and one Segmenter per thread, at the same time
                List<Future<int[]>> own = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Volume v = volumes.get(i);
                    own.add(pool.submit(() -> {
                        try (Segmenter mine = Segmenter.builder(MODEL)
                                .device("cpu")
                                .threads(1)
                                .folds("0")
                                .mirroring(false)
                                .build()) {
                            return mine.segment(v).labels();
                        }
                    }));
                }
                for (int i = 0; i < 2; i++)
                    assertArrayEquals(alone.get(i), own.get(i).get());
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void clearErrors() throws Exception {
        Segmenter s =
                Segmenter.builder(MODEL).device("cpu").threads(1).folds("0").build();
        Volume oneChannel = Volume.of(new float[8 * 8 * 8], new int[] {8, 8, 8}, new double[] {1, 1, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.segment(oneChannel));
        assertTrue(e.getMessage().contains("the model takes 2 channels"), e.getMessage());
        s.close();
        assertThrows(IllegalStateException.class, () -> s.segment(oneChannel));
        assertThrows(
                IllegalArgumentException.class,
                () -> Volume.of(new float[10], new int[] {8, 8, 8}, new double[] {1, 1, 1}));
    }
}
