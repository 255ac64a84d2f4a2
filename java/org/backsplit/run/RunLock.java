package org.backsplit.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One writer per run folder. The writer holds an operating-system lock on RUN/.lock and writes into it who it is (pid,
 * host, since when). A second writer, in this process or another, gets an error naming the holder. The lock dies with
 * its process, so after a kill the next writer finds the file still naming the dead holder but the lock free: a stale
 * lock, taken over (and said so). Closing empties the file; it is never deleted, so two writers cannot each lock a
 * different file of the same name.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final String tookOverFrom;

    private RunLock(FileChannel channel, FileLock lock, String tookOverFrom) {
        this.channel = channel;
        this.lock = lock;
        this.tookOverFrom = tookOverFrom;
    }

    /** Locks `runRoot` for writing, or fails naming who holds it. */
    public static RunLock acquire(Path runRoot) throws IOException {
        Files.createDirectories(runRoot);
        Path file = runRoot.resolve(FILE);
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this process already
        }
        String recorded = read(channel);
        if (lock == null) {
            channel.close();
            throw new IllegalStateException(runRoot + ": another training writes this run folder ("
                    + (recorded.isBlank() ? "its holder did not say who it is" : recorded) + "; lock " + file
                    + "). Wait for it to finish or stop it; two writers would corrupt the run.");
        }
        try {
            String me = "process " + ProcessHandle.current().pid() + " on " + host() + " since " + Instant.now();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            return new RunLock(channel, lock, recorded.isBlank() ? null : recorded);
        } catch (IOException | RuntimeException e) {
            channel.close(); // releases the lock: a writer that could not say who it is holds nothing
            throw e;
        }
    }

    /** Who held the lock before and died without releasing it (null when the lock was free and clean). */
    public String tookOverFrom() {
        return tookOverFrom;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
        }
    }

    private static String read(FileChannel channel) throws IOException {
        long size = Math.min(channel.size(), 4096);
        ByteBuffer b = ByteBuffer.allocate((int) size);
        channel.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
    }

    /**
     * This machine's name, cheaply: InetAddress.getLocalHost() may wait seconds on a name lookup, so the kernel's and
     * the environment's name come first.
     */
    private static String host() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) return env.trim();
        for (String file : new String[] {"/proc/sys/kernel/hostname", "/etc/hostname"}) {
            try {
                String name = Files.readString(Path.of(file)).trim();
                if (!name.isEmpty()) return name;
            } catch (IOException | RuntimeException e) {
                // not on this system: try the next
            }
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "an unknown host";
        }
    }
}
