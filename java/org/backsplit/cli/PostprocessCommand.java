package org.backsplit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.backsplit.eval.FolderEvaluation;
import org.backsplit.run.PostprocessingChoice;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** nnU-Net's determine_postprocessing over the cross-validation predictions of all folds. */
@Command(
        name = "postprocess",
        mixinStandardHelpOptions = true,
        description =
                "Decides the postprocessing on cross-validation predictions (e.g. every fold's validation/ folder together, as nnU-Net "
                        + "does): for each label, keeping only the largest connected component is adopted when it raises the mean Dice over the "
                        + "cases. Writes the choice as a postprocessing.json for `predict --postprocessing`.")
final class PostprocessCommand implements Callable<Integer> {

    @Option(
            names = "--pred",
            required = true,
            split = ",",
            description = "folders of cross-validation predictions (NIfTI), e.g. RUN/fold_0/validation,...")
    List<Path> pred;

    @Option(names = "--ref", required = true, description = "folder of the references (labelsTr), matched by file name")
    Path ref;

    @Option(names = "--labels", required = true, split = ",", description = "label values to decide for")
    List<Integer> labels;

    @Option(names = "--out", required = true, description = "the postprocessing.json to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<Path> predictions = new ArrayList<>(), references = new ArrayList<>();
        for (Path folder : pred) {
            for (Path p : FolderEvaluation.niftiFiles(folder)) {
                Path r = ref.resolve(p.getFileName());
                if (!Files.isRegularFile(r))
                    throw new IllegalArgumentException(r + ": is missing (the reference for " + p + ")");
                predictions.add(p);
                references.add(r);
            }
        }
        if (predictions.isEmpty()) throw new IllegalArgumentException(pred + ": hold no .nii or .nii.gz predictions");
        PostprocessingChoice.Result r = PostprocessingChoice.decide(predictions, references, labels);
        r.postprocessing().write(out);
        for (Map.Entry<Integer, double[]> e : r.meanDiceBeforeAfter().entrySet()) {
            System.out.printf(
                    "label %d: mean Dice %.4f as predicted, %.4f keeping the largest component only: %s%n",
                    e.getKey(),
                    e.getValue()[0],
                    e.getValue()[1],
                    e.getValue()[1] > e.getValue()[0] ? "adopted" : "not adopted");
        }
        System.out.println(predictions.size() + " cases; wrote " + out);
        return 0;
    }
}
