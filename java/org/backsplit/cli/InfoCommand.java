package org.backsplit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.nifti.NiftiHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a NIfTI file's shape, datatype, spacing and affine as JSON. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description =
                "Prints a NIfTI image's shape, datatype, spacing and affine (4x4, as nibabel's img.affine) as JSON.")
final class InfoCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "a .nii or .nii.gz image (NIfTI-1 or NIfTI-2)")
    Path file;

    @Override
    public Integer call() throws Exception {
        NiftiHeader img = Nifti.readHeader(file); // the header alone: a 1 GB image is not read
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file", file.toString());
        out.put("shape", img.dims());
        out.put("datatype", img.datatype().label());
        out.put("spacing", img.spacing());
        out.put("affine", img.affine());
        System.out.println(
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        return 0;
    }
}
