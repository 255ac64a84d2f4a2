package org.backsplit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help prints cleanly: no picocli warning, no description cut mid-sentence. */
class HelpTest {

    @Test
    void everyHelpIsCleanAndWhole() {
        CommandLine root = Main.commandLine();
        for (String name : root.getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            String[] out = help(name, "--help");
            assertFalse(out[1].contains("WARN"), name + " --help warns: " + out[1]);
            assertTrue(out[0].startsWith("Usage: backsplit " + name), name + ": " + out[0]);
        }
        String top = help("--help")[0].replaceAll("\\s+", " "); // the lines are wrapped
        assertTrue(top.contains("logits_k.npy, N x K x D x H x W."), "forward's description in one piece: " + top);
    }

    /** stdout and everything written to stderr (picocli's warnings go to System.err). */
    private static String[] help(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter out = new StringWriter();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out));
            assertEquals(0, cl.execute(args), String.join(" ", args));
        } finally {
            System.setErr(oldErr);
        }
        return new String[] {out.toString(), err.toString(StandardCharsets.UTF_8)};
    }
}
