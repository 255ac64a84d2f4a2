package org.backsplit.model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's python3 with python3-torch, for the checks that need PyTorch itself (skipped where it is missing). */
final class PythonTorch {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static Boolean available;

    record Result(int exitCode, String output) {}

    private PythonTorch() {}

    static synchronized boolean available() {
        if (available == null) {
            try {
                available = Files.isExecutable(PYTHON)
                        && run(null, "-c", "import torch, numpy, scipy, nibabel")
                                        .exitCode()
                                == 0;
            } catch (Exception e) {
                available = false;
            }
        }
        return available;
    }

    static Result run(Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString()));
        if (script != null) command.add(script.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
