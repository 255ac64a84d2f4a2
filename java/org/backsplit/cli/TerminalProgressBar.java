package org.backsplit.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.backsplit.util.Progress;

/** The command line's live progress bar with ETA on stderr (the progressbar library stays with the command line). */
final class TerminalProgressBar implements Progress.Bar {
    private final ProgressBar bar;

    TerminalProgressBar(String task, long total) {
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250)
                .build();
    }

    @Override
    public void stepTo(long n) {
        bar.stepTo(n);
    }

    @Override
    public void extra(String message) {
        bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        bar.close();
    }
}
