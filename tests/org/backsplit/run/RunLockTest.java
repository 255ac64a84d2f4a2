package org.backsplit.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {

    @Test
    void aSecondWriterIsToldWhoHoldsTheRun(@TempDir Path run) throws Exception {
        try (RunLock first = RunLock.acquire(run)) {
            assertNull(first.tookOverFrom());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunLock.acquire(run));
            assertTrue(
                    e.getMessage().contains("process " + ProcessHandle.current().pid() + " on "), e.getMessage());
            assertTrue(e.getMessage().contains(run.toString()), e.getMessage());
        }
        try (RunLock again = RunLock.acquire(run)) { // released on close: the next writer takes it cleanly
            assertNull(again.tookOverFrom());
        }
    }

    @Test
    void aLockLeftByAKilledWriterIsTakenOver(@TempDir Path run) throws Exception {
        // what a writer killed with SIGKILL leaves: its name in the file, no operating-system lock
        Files.writeString(run.resolve(RunLock.FILE), "process 999999 on gone-host since 2026-01-01T00:00:00Z");
        try (RunLock lock = RunLock.acquire(run)) {
            assertEquals("process 999999 on gone-host since 2026-01-01T00:00:00Z", lock.tookOverFrom());
            assertTrue(Files.readString(run.resolve(RunLock.FILE))
                    .startsWith("process " + ProcessHandle.current().pid() + " on "));
        }
        assertEquals("", Files.readString(run.resolve(RunLock.FILE)), "emptied, not deleted, on close");
    }
}
