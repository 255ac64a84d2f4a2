package org.backsplit.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** What every scoring command needs: the references, the labels to score and where the results go. */
final class ScoringOptions {

    @Option(
            names = "--ref",
            required = true,
            description = "folder of reference label maps (NIfTI; each needs a prediction of the same name)")
    Path ref;

    @Option(names = "--labels", required = true, split = ",", description = "label values to score, e.g. 1 or 1,2")
    List<Integer> labels;

    @Option(names = "--out", required = true, description = "folder for the results")
    Path out;

    @Option(
            names = "--tolerance",
            defaultValue = "2",
            description = "NSD tolerance in mm, inclusive (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Option(
            names = "--html",
            description = "also write OUT/report.html: tables, a per-case plot and slice overlays of the worst cases")
    boolean html;

    @Option(
            names = "--images",
            description = "with --html: the images folder (CASE_0000.nii.gz ...) to draw the overlays on")
    Path images;
}
