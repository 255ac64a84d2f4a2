package org.backsplit.util;

import java.util.function.BiFunction;

/**
 * Progress of a long task (preprocessing, predicting a folder, an epoch), shown as a live bar only where a program has
 * installed one: the command line draws terminal bars (it owns that library), and only when the console is a terminal
 * (a log file, CI or a test see nothing; the one-line-per-epoch log carries progress there). A program embedding the
 * engine gets no output from here at all; it follows training through its own listener.
 */
public final class Progress implements AutoCloseable {
    /** A live bar. */
    public interface Bar extends AutoCloseable {
        void stepTo(long n);

        void extra(String message);

        @Override
        void close();
    }

    private static volatile BiFunction<String, Long, Bar> terminalBars;

    private final Bar bar;
    private long done;

    private Progress(Bar bar) {
        this.bar = bar;
    }

    /** Installs the live bars (the command line does, once, at start). */
    public static void useTerminalBars(BiFunction<String, Long, Bar> factory) {
        terminalBars = factory;
    }

    public static Progress bar(String task, long total) {
        BiFunction<String, Long, Bar> factory = terminalBars;
        java.io.Console console = System.console();
        boolean live = factory != null
                && console != null
                && console.isTerminal()
                && System.getenv("BACKSPLIT_NO_PROGRESS") == null;
        return new Progress(live ? factory.apply(task, total) : null);
    }

    public void step() {
        stepTo(done + 1);
    }

    public void stepTo(long n) {
        done = n;
        if (bar != null) bar.stepTo(n);
    }

    public void extra(String message) {
        if (bar != null) bar.extra(message);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
