package org.backsplit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `backsplit` command line. */
@Command(
        name = "backsplit",
        mixinStandardHelpOptions = true,
        version = "backsplit 0.1.0",
        description = "BackSplit: lesion segmentation with the background split into auxiliary classes.",
        subcommands = {
            PlanCommand.class,
            ComposeCommand.class,
            TrainCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            ForwardCommand.class,
            InfoCommand.class,
            FisherCommand.class,
            PredictCommand.class,
            ExportNnUNetCommand.class,
            EvaluateCommand.class,
            CompareCommand.class,
            PostprocessCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: user errors print one clear line and exit 1, not a stack trace. */
    public static CommandLine commandLine() {
        // what only a terminal program draws: live progress bars and each run's progress.png
        org.backsplit.util.Progress.useTerminalBars(TerminalProgressBar::new);
        org.backsplit.run.EpochCharts.use(org.backsplit.charts.ProgressChart::write);
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof java.io.IOException
                    || ex instanceof IllegalArgumentException
                    || ex instanceof IllegalStateException) {
                String message = ex instanceof java.nio.file.NoSuchFileException
                        ? ex.getMessage() + ": no such file or folder"
                        : ex.getMessage();
                line.getErr().println("backsplit: error: " + message);
                if (System.getenv("BACKSPLIT_DEBUG") != null) ex.printStackTrace(line.getErr());
                return 1;
            }
            throw ex;
        });
        return cl;
    }
}
