package org.backsplit.cli;

import static org.backsplit.TestArrays.assertRelClose;
import static org.backsplit.TestArrays.toDouble;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.backsplit.io.NamedTensor;
import org.backsplit.io.Npy;
import org.backsplit.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `backsplit forward` on a bare state_dict exported from PyTorch reproduces PyTorch's logits. */
class ForwardCommandTest {
    private static final Path FIXTURES = Path.of("tests/resources/fixtures");

    @Test
    void forwardOnAPyTorchStateDictGivesPyTorchsLogits(@TempDir Path dir) throws Exception {
        Map<String, NamedTensor> io =
                SafeTensors.read(FIXTURES.resolve("unet_io.safetensors")).tensors();
        Path input = dir.resolve("x.npy");
        Npy.write(input, io.get("input").shape(), io.get("input").data());
        int code = Main.commandLine()
                .execute(
                        "forward",
                        "--checkpoint",
                        FIXTURES.resolve("unet_state_dict.safetensors").toString(),
                        "--input",
                        input.toString(),
                        "--output",
                        dir.resolve("out").toString(),
                        "--threads",
                        "2");
        assertEquals(0, code);
        for (int h = 0; h < 2; h++) {
            NamedTensor ours = Npy.read(dir.resolve("out/logits_" + h + ".npy"));
            NamedTensor torch = io.get("logits_" + h);
            assertEquals(torch.shape(), ours.shape());
            assertRelClose("logits_" + h, toDouble(torch.data()), toDouble(ours.data()), 1e-4);
        }
    }

    @Test
    void badInputGetsAClearMessageAndExitCode1(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(
                "forward",
                "--checkpoint",
                junk.toString(),
                "--input",
                dir.resolve("missing.npy").toString(),
                "--output",
                dir.toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("junk.safetensors") && err.toString().contains("too short"), err.toString());
        Path truncated = dir.resolve("trunc.safetensors");
        byte[] good = Files.readAllBytes(FIXTURES.resolve("unet_state_dict.safetensors"));
        Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
        err.getBuffer().setLength(0);
        code = cl.execute(
                "forward", "--checkpoint", truncated.toString(), "--input", "x.npy", "--output", dir.toString());
        assertEquals(1, code);
        assertTrue(
                err.toString().contains("trunc.safetensors") && err.toString().contains("truncated"), err.toString());
    }

    @Test
    void explicitCudaWithoutAGpuFailsLoudly(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                org.backsplit.backend.cuda.CudaBackend.unavailableReason() != null, "this machine has a GPU");
        Map<String, NamedTensor> io =
                SafeTensors.read(FIXTURES.resolve("unet_io.safetensors")).tensors();
        Path input = dir.resolve("x.npy");
        Npy.write(input, io.get("input").shape(), io.get("input").data());
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(
                "forward",
                "--device",
                "cuda",
                "--checkpoint",
                FIXTURES.resolve("unet_state_dict.safetensors").toString(),
                "--input",
                input.toString(),
                "--output",
                dir.resolve("out").toString());
        assertEquals(1, code);
        assertTrue(err.toString().contains("--device cuda"), err.toString());
        assertTrue(!Files.exists(dir.resolve("out/logits_0.npy")), "nothing written on the CPU instead");
    }

    @Test
    void infoPrintsShapeDatatypeSpacingAndAffine() throws Exception {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute("info", "tests/resources/nifti/nifti2_uint16.nii.gz");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        var json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(buf.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("[6,5,4]", json.get("shape").toString());
        assertEquals("uint16", json.get("datatype").asText());
        assertEquals(1.2, json.get("spacing").get(1).asDouble(), 1e-6);
        assertEquals(-1.2, json.get("affine").get(0).get(1).asDouble(), 1e-6);
        assertEquals(9.0, json.get("affine").get(2).get(3).asDouble(), 1e-6);
    }
}
