package org.backsplit.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Who draws a run's progress.png each epoch. The command line installs its chart (JFreeChart stays with it); a program
 * embedding the engine gets progress.json only, unless it installs a chart of its own.
 */
public final class EpochCharts {
    /** Draws the epochs so far into a PNG file. */
    @FunctionalInterface
    public interface Chart {
        void write(Path png, List<EpochRecord> epochs) throws IOException;
    }

    private static volatile Chart chart;

    private EpochCharts() {}

    public static void use(Chart c) {
        chart = c;
    }

    /** Draws the chart when one is installed; returns whether it did. */
    static boolean write(Path png, List<EpochRecord> epochs) throws IOException {
        Chart c = chart;
        if (c == null) return false;
        c.write(png, epochs);
        return true;
    }
}
