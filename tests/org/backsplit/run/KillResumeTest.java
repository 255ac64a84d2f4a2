package org.backsplit.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.backsplit.cli.Main;
import org.backsplit.data.NnUNetDataset;
import org.backsplit.data.plan.Planning;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.backsplit.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A training killed with SIGKILL in the middle of an epoch continues with `train --continue` and ends with exactly the
 * weights and optimizer state of an uninterrupted run of the same seed (CPU).
 */
class KillResumeTest {
    private static final String DATASET = "Dataset903_Kill";

    @Test
    void killedRunContinuesToTheSameWeights(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve(DATASET), pre = dir.resolve("pre");
        SyntheticAbdomen.write(raw, 5, 0, 3);
        Planning.planAndPreprocess(NnUNetDataset.open(raw), pre, new int[] {16, 16, 16}, 2);

        Path whole = dir.resolve("whole"), killed = dir.resolve("killed");
        assertEquals(0, cli(train(raw, pre, whole)));

        Process p = new ProcessBuilder(javaCommand(train(raw, pre, killed)))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("killed.log").toFile())
                .start();
        Path latest = killed.resolve(
                DATASET + "/binary__PlainConvUNet__3d_fullres/fold_0/checkpoint_latest/" + Checkpoint.STATE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(latest) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(
                p.isAlive(), "the run must still be going when killed: " + Files.readString(dir.resolve("killed.log")));
        Path runDir = latest.getParent().getParent();
        // while it runs, a second writer is refused and told which process holds the run
        IllegalStateException busy = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalStateException.class, () -> RunLock.acquire(runDir).close());
        assertTrue(busy.getMessage().contains("process " + p.pid() + " on "), busy.getMessage());
        Thread.sleep(40); // into the next epoch
        p.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
        p.waitFor(); // its lock died with it: --continue below takes the stale lock over
        assertFalse(Files.exists(runDir.resolve("checkpoint_final")), "killed before the end");

        List<String> resume = new ArrayList<>(List.of(
                "train",
                raw.toString(),
                "--preprocessed",
                pre.toString(),
                "--results",
                killed.toString(),
                "--mode",
                "binary",
                "--continue",
                "--device",
                "cpu",
                "--threads",
                "2"));
        assertEquals(0, cli(resume));

        Path a = whole.resolve(DATASET + "/binary__PlainConvUNet__3d_fullres/fold_0/checkpoint_final"),
                b = runDir.resolve("checkpoint_final");
        for (String f : List.of(Checkpoint.MODEL, Checkpoint.OPTIMIZER)) {
            assertArrayEquals(
                    Files.readAllBytes(a.resolve(f)),
                    Files.readAllBytes(b.resolve(f)),
                    f + " differs after kill and resume");
        }
        assertEquals(
                Files.readString(a.resolve(RunFolder.HISTORY)).replaceAll("\"seconds\" : [0-9.eE-]+", ""),
                Files.readString(b.resolve(RunFolder.HISTORY)).replaceAll("\"seconds\" : [0-9.eE-]+", ""),
                "the same epochs, losses and best choice");
    }

    private static List<String> train(Path raw, Path pre, Path results) {
        return List.of(
                "train",
                raw.toString(),
                "--preprocessed",
                pre.toString(),
                "--results",
                results.toString(),
                "--mode",
                "binary",
                "--targets",
                "lesion",
                "--epochs",
                "4",
                "--iterations",
                "6",
                "--val-batches",
                "1",
                "--features",
                "4,8",
                "--seed",
                "5",
                "--device",
                "cpu",
                "--threads",
                "2");
    }

    private static int cli(List<String> args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args.toArray(String[]::new));
        if (code != 0) System.err.println(err);
        return code;
    }

    /** The same command in a fresh JVM with this test's class path. */
    private static List<String> javaCommand(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        return cmd;
    }
}
