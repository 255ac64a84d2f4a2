package org.backsplit.demo;

import java.io.IOException;
import java.nio.file.Path;
import org.backsplit.data.synthetic.MricronData;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.backsplit.data.synthetic.SyntheticBrain;

/** The two datasets the demo can run on, with what the report says about them and how it windows their images. */
enum DemoData {
    ABDOMEN(
            "Dataset901_SyntheticAbdomen",
            "CT",
            -160,
            240,
            "Lesions (110 HU) sit in the liver (60 HU); the spleen beside it and vessels running through it are exactly as dense as the "
                    + "lesions, so only shape and place tell them apart. The binary model sees spleen and vessels as background; BackSplit "
                    + "learns them (and the liver and spine) as classes of their own. Both are judged on the lesion only."),
    BRAIN(
            "Dataset902_Colin27Lesions",
            "T1",
            0,
            140,
            "A real MRI: the Colin27 T1 brain (Debian's mricron-data) at 3 mm with classes from the AAL atlas. Lesions sit in the white "
                    + "matter with the T1 appearance of the deep grey nuclei, so the nuclei and the cortex are the look-alikes. The binary model "
                    + "sees all anatomy as background; BackSplit learns deep grey, cortex, cerebellum and white matter as classes of their own. "
                    + "Both are judged on the lesion only.");

    final String datasetName;
    final String modality;
    final double windowLow, windowHigh;
    final String description;

    DemoData(String datasetName, String modality, double windowLow, double windowHigh, String description) {
        this.datasetName = datasetName;
        this.modality = modality;
        this.windowLow = windowLow;
        this.windowHigh = windowHigh;
        this.description = description;
    }

    void write(Path raw, Path cache, int training, int test, long seed) throws IOException {
        switch (this) {
            case ABDOMEN -> SyntheticAbdomen.write(raw, training, test, seed);
            case BRAIN ->
                SyntheticBrain.write(raw, MricronData.templates(cache.resolve("mricron")), training, test, seed);
        }
    }
}
