package org.backsplit.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.backsplit.io.AtomicFiles;
import org.backsplit.run.EpochRecord;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The progress chart nnU-Net draws, as one PNG: losses; the target pseudo-Dice and its moving average; the learning
 * rate; the epoch time; and, when measured, the Fisher ratio near the target. Drawn headless.
 */
public final class ProgressChart {
    public static final int WIDTH = 1000;
    private static final int PANEL_HEIGHT = 220;
    // one colour per series across all panels, so the shared legend names each line unambiguously (Tableau's palette)
    private static final Color[] COLORS = {
        new Color(31, 119, 180),
        new Color(214, 39, 40),
        new Color(44, 160, 44),
        new Color(255, 127, 14),
        new Color(148, 103, 189),
        new Color(140, 86, 75),
        new Color(23, 190, 207),
        new Color(127, 127, 127)
    };

    private ProgressChart() {}

    public static void write(Path png, List<EpochRecord> epochs) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("epoch"));
        int[] colour = {0};
        plot.add(panel(
                colour,
                "loss",
                Map.of("train", EpochRecord::trainLoss, "validation", EpochRecord::validationLoss),
                epochs));
        plot.add(panel(
                colour,
                "target pseudo-Dice",
                Map.of("pseudo-Dice", EpochRecord::targetPseudoDice, "moving average", EpochRecord::emaPseudoDice),
                epochs));
        plot.add(panel(colour, "learning rate", Map.of("lr", EpochRecord::learningRate), epochs));
        plot.add(panel(colour, "epoch time (s)", Map.of("seconds", EpochRecord::seconds), epochs));
        boolean fisher = epochs.stream().anyMatch(e -> e.fisherRatioNear() != null);
        if (fisher) {
            XYPlot p = panel(
                    colour,
                    "Fisher ratio near target",
                    Map.of("tr I_Y / tr I_Z", e -> e.fisherRatioNear() == null ? Double.NaN : e.fisherRatioNear()),
                    epochs);
            LogAxis log = new LogAxis(
                    "Fisher ratio near target (log)"); // it spans orders of magnitude as the model grows confident
            log.setSmallestValue(1);
            p.setRangeAxis(log);
            plot.add(p);
        }
        int panels = fisher ? 5 : 4;
        JFreeChart chart = new JFreeChart("training progress", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        AtomicFiles.write(png, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                ChartUtils.writeChartAsPNG(out, chart, WIDTH, PANEL_HEIGHT * panels);
            }
        });
    }

    private static XYPlot panel(
            int[] colour, String title, Map<String, ToDoubleFunction<EpochRecord>> series, List<EpochRecord> epochs) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            XYSeries s = new XYSeries(e.getKey());
            for (EpochRecord r : epochs) {
                double v = e.getValue().applyAsDouble(r);
                if (Double.isFinite(v)) s.add(r.epoch() + 1, v);
            }
            data.addSeries(s);
        });
        NumberAxis axis = new NumberAxis(title);
        axis.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, epochs.size() < 30);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, COLORS[colour[0]++ % COLORS.length]);
        }
        XYPlot p = new XYPlot(data, null, axis, renderer);
        p.setBackgroundPaint(Color.WHITE);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        return p;
    }
}
