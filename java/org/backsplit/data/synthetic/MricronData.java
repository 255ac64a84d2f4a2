package org.backsplit.data.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the Colin27 brain and the AAL atlas of Debian's mricron-data package: installed under
 * /usr/share/mricron/templates, or fetched into a cache with `apt-get download` and unpacked with `dpkg-deb -x` (no
 * root needed). Where neither works the message says what to do.
 */
public final class MricronData {
    public static final Path INSTALLED = Path.of("/usr/share/mricron/templates");
    static final String[] NEEDED = {"ch2bet.nii.gz", "aal.nii.gz"};

    private MricronData() {}

    /** The templates folder holding ch2bet.nii.gz and aal.nii.gz. */
    public static Path templates(Path cacheFolder) throws IOException {
        if (hasAll(INSTALLED)) return INSTALLED;
        Path cache = cacheFolder.toAbsolutePath(); // the tools run inside it: relative names would point elsewhere
        Path unpacked = cache.resolve("usr/share/mricron/templates");
        if (hasAll(unpacked)) return unpacked;
        Files.createDirectories(cache);
        run(cache, List.of("apt-get", "download", "mricron-data"));
        Path deb;
        try (var files = Files.list(cache)) {
            deb = files.filter(f -> f.getFileName().toString().startsWith("mricron-data_")
                            && f.toString().endsWith(".deb"))
                    .findFirst()
                    .orElseThrow(() -> new IOException(cache + ": apt-get download left no mricron-data_*.deb"));
        }
        run(cache, List.of("dpkg-deb", "-x", deb.toString(), cache.toString()));
        if (!hasAll(unpacked))
            throw new IOException(unpacked + ": the unpacked mricron-data lacks " + String.join(" or ", NEEDED));
        return unpacked;
    }

    private static boolean hasAll(Path dir) {
        for (String f : NEEDED) if (!Files.isRegularFile(dir.resolve(f))) return false;
        return true;
    }

    private static void run(Path dir, List<String> command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IOException(help("`" + command.getFirst() + "` cannot be started (" + e.getMessage() + ")"));
        }
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException(help("`" + String.join(" ", command) + "` failed: " + out.strip()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.getFirst());
        }
    }

    private static String help(String what) {
        return what
                + ". The anatomy demo needs Debian's mricron-data package: install it (apt-get install mricron-data) or make "
                + "`apt-get download mricron-data` work (a Debian machine with its package sources reachable).";
    }
}
