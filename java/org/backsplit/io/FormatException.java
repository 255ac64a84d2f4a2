package org.backsplit.io;

import java.nio.file.Path;

/** A file that cannot be read as the format it claims: the message names the file and the problem. */
public final class FormatException extends java.io.IOException {
    public FormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
