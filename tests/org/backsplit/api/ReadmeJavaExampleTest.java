package org.backsplit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.backsplit.data.nifti.Nifti;
import org.backsplit.data.synthetic.SyntheticAbdomen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Use it from Java" block, taken from the README itself, compiled against the engine and run: it must
 * train a tiny model on a synthetic dataset and segment an image with it.
 */
class ReadmeJavaExampleTest {

    @Test
    void theReadmeBlockCompilesAndRuns(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("## Use it from Java");
        assertTrue(section >= 0, "the README has the section");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String block = readme.substring(start, readme.indexOf("```", start));
        List<String> imports = new ArrayList<>(), body = new ArrayList<>();
        for (String line : block.split("\n")) (line.startsWith("import ") ? imports : body).add(line);
        String source = String.join("\n", imports) + "\nimport java.nio.file.Path;\n"
                + "public class ReadmeExample {\n"
                + "    public static void run(Path rawDataset, Path preprocessed, Path results, Path image, Path output)"
                + " throws Exception {\n"
                + String.join("\n", body) + "\n    }\n}\n";
        Path src = dir.resolve("src/ReadmeExample.java"), classes = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(
                        diagnostics,
                        null,
                        null,
                        List.of("-cp", System.getProperty("java.class.path"), "-d", classes.toString()),
                        null,
                        javac.getStandardFileManager(null, null, null).getJavaFileObjects(src))
                .call();
        assertTrue(ok, "the README block compiles:\n" + diagnostics + "\n" + source);

        Path raw = dir.resolve("Dataset908_Readme");
        SyntheticAbdomen.write(raw, 5, 1, 3);
        Path image = raw.resolve("imagesTs/abdomen_005_0000.nii.gz"), output = dir.resolve("segmentation.nii.gz");
        try (URLClassLoader loader = new URLClassLoader(
                new java.net.URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method run = loader.loadClass("ReadmeExample")
                    .getMethod("run", Path.class, Path.class, Path.class, Path.class, Path.class);
            run.invoke(null, raw, dir.resolve("preprocessed"), dir.resolve("results"), image, output);
        }
        assertEquals(
                java.util.Arrays.toString(Nifti.read(image).dims()),
                java.util.Arrays.toString(Nifti.read(output).dims()),
                "the segmentation is in the image's grid");
    }
}
