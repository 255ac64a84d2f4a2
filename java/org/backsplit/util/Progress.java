package org.backsplit.util;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A live progress bar with ETA on the terminal (stderr). When stderr is not a terminal (a log file, CI, a test) nothing
 * is drawn: the one-line-per-epoch log carries the progress there.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static Progress bar(String task, long total) {
        java.io.Console console = System.console();
        boolean live = console != null && console.isTerminal() && System.getenv("BACKSPLIT_NO_PROGRESS") == null;
        if (!live) return new Progress(null);
        return new Progress(new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250)
                .build());
    }

    public void step() {
        if (bar != null) bar.step();
    }

    public void stepTo(long n) {
        if (bar != null) bar.stepTo(n);
    }

    public void extra(String message) {
        if (bar != null) bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
