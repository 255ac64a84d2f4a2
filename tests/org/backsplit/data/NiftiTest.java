package org.backsplit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiDatatype;
import org.backsplit.data.nifti.NiftiHeader;
import org.backsplit.data.nifti.NiftiImage;
import org.backsplit.io.FormatException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NIfTI reader against nibabel (tests/fixtures/make_nifti_fixture.py): nibabel's own test images (NIfTI-1 and -2,
 * big- and little-endian, gz, 3D and 4D) and three written by nibabel here (qform only with scaling, no form at all,
 * NIfTI-2 uint16). Then write-read round trips and the error paths.
 */
class NiftiTest {
    private static final Path LOCAL = Path.of("tests/resources/nifti");

    static Stream<Arguments> images() throws Exception {
        // nibabel's resampled image holds NaN voxels, so the expected values do too
        ObjectMapper json = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        JsonNode root = json.readTree(LOCAL.resolve("expected.json").toFile());
        List<Arguments> out = new ArrayList<>();
        for (JsonNode e : root.get("images")) {
            Path file = e.get("local").asBoolean()
                    ? LOCAL.resolve(e.get("file").asText())
                    : Path.of(root.get("data_dir").asText())
                            .resolve(e.get("file").asText());
            out.add(Arguments.of(e.get("file").asText(), file, e));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void readsWhatNibabelReads(String name, Path file, JsonNode e) throws Exception {
        Assumptions.assumeTrue(Files.exists(file), file + " is missing: Debian's python3-nibabel is not installed");
        NiftiImage img = Nifti.read(file);
        int[] shape = new int[e.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = e.get("shape").get(i).asInt();
        assertArrayEquals(shape, img.dims(), "shape");
        assertEquals(e.get("datatype").asText(), img.datatype().label());
        double[] spacing = img.spacing();
        for (int i = 0; i < 3; i++) assertEquals(e.get("zooms").get(i).asDouble(), spacing[i], 1e-6, "zoom " + i);
        double[][] affine = img.affine();
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) {
                double want = e.get("affine").get(r).get(c).asDouble();
                assertEquals(want, affine[r][c], 1e-5 * Math.max(1, Math.abs(want)), "affine[" + r + "][" + c + "]");
            }
        double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (float v : img.data()) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        close(e.get("sum").asDouble(), sum, 1e-6, "sum");
        close(e.get("min").asDouble(), min, 1e-6, "min");
        close(e.get("max").asDouble(), max, 1e-6, "max");
        e.get("samples")
                .properties()
                .forEach(s -> close(
                        s.getValue().asDouble(),
                        img.data()[Integer.parseInt(s.getKey())],
                        1e-6,
                        "voxel " + s.getKey()));
    }

    /** Equal within tol relative to max(1, |want|); NaN (an image with NaN voxels) must stay NaN. */
    private static void close(double want, double got, double tol, String what) {
        if (Double.isNaN(want)) assertTrue(Double.isNaN(got), what + ": expected NaN, got " + got);
        else assertEquals(want, got, tol * Math.max(1, Math.abs(want)), what);
    }

    @Test
    void everyDatatypeRoundTripsPlainAndCompressed(@TempDir Path dir) throws Exception {
        NiftiImage like = Nifti.read(LOCAL.resolve("qform_scaled.nii.gz")); // rotated qform, negative qfac
        Random rnd = new Random(1);
        for (NiftiDatatype t : NiftiDatatype.values()) {
            float[] v = new float[like.data().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (t) {
                    case UINT8 -> rnd.nextInt(256);
                    case INT8 -> rnd.nextInt(256) - 128;
                    case INT16 -> rnd.nextInt(65536) - 32768;
                    case UINT16 -> rnd.nextInt(65536);
                    case INT32 -> rnd.nextInt(1 << 24) - (1 << 23);
                    case FLOAT32, FLOAT64 -> (float) rnd.nextGaussian();
                };
            }
            for (String ext : new String[] {".nii", ".nii.gz"}) {
                Path f = dir.resolve(t.label() + ext);
                Nifti.write(f, like, v, t);
                NiftiImage back = Nifti.read(f);
                assertEquals(t, back.datatype(), f.toString());
                assertArrayEquals(like.dims(), back.dims());
                assertArrayEquals(v, back.data(), f.toString());
                double[][] a = like.affine(), b = back.affine();
                for (int r = 0; r < 4; r++) assertArrayEquals(a[r], b[r], 1e-5, "affine row " + r + " of " + f);
                assertArrayEquals(like.spacing(), back.spacing(), 1e-6);
            }
        }
    }

    /** The header alone is read: a header promising 8 billion voxels in a file of a few hundred bytes is fine. */
    @Test
    void headerOnlyReadsNoVoxels(@TempDir Path dir) throws Exception {
        NiftiImage like = Nifti.read(LOCAL.resolve("qform_scaled.nii.gz"));
        Path small = dir.resolve("small.nii");
        Nifti.write(small, like, new float[like.data().length], NiftiDatatype.FLOAT32);
        byte[] bytes = java.nio.file.Files.readAllBytes(small);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int axis = 1; axis <= 3; axis++) b.putShort(40 + 2 * axis, (short) 2000); // dim[1..3] = 2000
        Path huge = dir.resolve("huge.nii");
        java.nio.file.Files.write(huge, java.util.Arrays.copyOf(bytes, 352)); // the header, no voxels at all
        NiftiHeader h = Nifti.readHeader(huge);
        assertArrayEquals(new int[] {2000, 2000, 2000}, h.dims());
        assertEquals(8_000_000_000L, h.voxels());
        assertArrayEquals(like.spacing(), h.spacing(), 1e-6);
        double[][] a = like.affine(), back = h.affine();
        for (int r = 0; r < 4; r++) assertArrayEquals(a[r], back[r], 1e-5);
        assertMessage(huge, "too many voxels (8000000000) for one array");
        // compressed: only the header's bytes are inflated
        NiftiHeader gz = Nifti.readHeader(LOCAL.resolve("qform_scaled.nii.gz"));
        assertArrayEquals(like.dims(), gz.dims());
        assertEquals(like.datatype(), gz.datatype());
    }

    @Test
    void badFilesGetErrorsNamingTheFileAndTheProblem(@TempDir Path dir) throws Exception {
        NiftiImage like = Nifti.read(LOCAL.resolve("no_form.nii"));
        Path good = dir.resolve("good.nii");
        Nifti.write(good, like, like.data(), NiftiDatatype.FLOAT32);
        byte[] bytes = Files.readAllBytes(good);

        Path truncated = dir.resolve("truncated.nii");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertMessage(truncated, "truncated");

        Path shortHeader = dir.resolve("short.nii");
        Files.write(shortHeader, java.util.Arrays.copyOf(bytes, 100));
        assertMessage(shortHeader, "truncated header");

        Path rgb = dir.resolve("rgb.nii");
        byte[] patched = bytes.clone();
        ByteBuffer.wrap(patched).order(ByteOrder.LITTLE_ENDIAN).putShort(70, (short) 128);
        Files.write(rgb, patched);
        assertMessage(rgb, "datatype code 128 is not supported");

        Path notNifti = dir.resolve("text.nii");
        Files.writeString(notNifti, "this is not an image at all, just text long enough");
        assertMessage(notNifti, "not a NIfTI file");

        Path gz = dir.resolve("broken.nii.gz");
        Nifti.write(gz, like, like.data(), NiftiDatatype.FLOAT32);
        byte[] z = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(z, z.length / 2));
        assertMessage(gz, "gzip");

        assertMessage(dir.resolve("missing.nii.gz"), "no such file");
    }

    private static void assertMessage(Path file, String fragment) {
        FormatException e = assertThrows(FormatException.class, () -> Nifti.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(fragment), e.getMessage());
    }
}
