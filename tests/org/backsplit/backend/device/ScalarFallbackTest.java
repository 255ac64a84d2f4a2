package org.backsplit.backend.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.backsplit.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without the Vector API module the engine still computes, on the scalar path, the same numbers to float rounding. */
class ScalarFallbackTest {

    @Test
    void aJvmWithoutTheVectorApiComputesTheSameLogitsAndSaysOnceHowToGoFaster(@TempDir Path dir) throws Exception {
        assertTrue(Devices.vectorApiAvailable(), "the tests themselves run with --add-modules jdk.incubator.vector");
        Path out = dir.resolve("logits.npy");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java")); // no --add-modules
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ScalarFallbackMain.class.getName());
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd)
                .redirectError(dir.resolve("err.txt").toFile())
                .start();
        String stdout = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child finishes");
        String err = Files.readString(dir.resolve("err.txt"));
        assertEquals(0, p.exitValue(), err);
        assertTrue(stdout.contains("reference"), "the scalar reference backend computed: " + stdout);
        int told = err.split("--add-modules jdk.incubator.vector", -1).length - 1;
        assertEquals(1, told, "said once: " + err);

        float[] scalar = Npy.read(out).data(), vector = ScalarFallbackMain.logits(Devices.open("cpu", 2, System.err));
        assertEquals(vector.length, scalar.length);
        double worst = 0, scale = 0;
        for (int i = 0; i < vector.length; i++) {
            worst = Math.max(worst, Math.abs(vector[i] - scalar[i]));
            scale = Math.max(scale, Math.abs(vector[i]));
        }
        assertTrue(worst <= 1e-5 * Math.max(1, scale), "largest difference " + worst + " at scale " + scale);
    }
}
