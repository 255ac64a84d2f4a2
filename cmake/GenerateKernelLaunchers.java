import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes CudaKernels.java: one typed Java launcher per `extern "C" __global__` kernel of kernels/*.cu, named exactly as
 * the kernel (so the name a profiler shows is the name grep finds in Java) and taking the kernel's parameters with
 * their C types mapped to Java ones. A launch with the wrong number, order or kind of arguments is then a compile error
 * instead of a fault on the GPU. Run by Maven before compiling: java cmake/GenerateKernelLaunchers.java KERNEL_DIR
 * OUTPUT_DIR
 */
public final class GenerateKernelLaunchers {
    private static final Pattern KERNEL =
            Pattern.compile("extern \"C\" __global__ void (?:[A-Z_]+ )?([A-Za-z0-9_]+)\\(([^)]*)\\)");
    /** C parameter type -> Java type and the KernelArgs method that writes it. */
    private static final Map<String, String[]> SCALARS = Map.of(
            "int", new String[] {"int", "i32"},
            "long long", new String[] {"long", "i64"},
            "float", new String[] {"float", "f32"},
            "double", new String[] {"double", "f64"},
            "Geo", new String[] {"Geo", "geo"});

    public static void main(String[] args) throws IOException {
        Path kernels = Path.of(args[0]), out = Path.of(args[1]).resolve("org/backsplit/backend/cuda/CudaKernels.java");
        StringBuilder java = new StringBuilder();
        java.append("""
                package org.backsplit.backend.cuda;

                /**
                 * GENERATED from kernels/*.cu by cmake/GenerateKernelLaunchers.java; do not edit. One method per kernel,
                 * named as the kernel and typed as its parameters (pointers as DevicePointer, int as int, long long as
                 * long, float, double, the convolution geometry struct as Geo).
                 */
                final class CudaKernels {
                    private final CudaRuntime runtime;

                    CudaKernels(CudaRuntime runtime) {
                        this.runtime = runtime;
                    }
                """);
        List<Path> sources;
        try (var files = Files.list(kernels)) {
            sources = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        int count = 0;
        for (Path source : sources) {
            String text = Files.readString(source);
            int declared = text.split("__global__ void", -1).length - 1;
            Matcher m = KERNEL.matcher(text);
            int found = 0;
            while (m.find()) {
                found++;
                java.append(launcher(source.getFileName().toString(), m.group(1), m.group(2)));
            }
            if (found != declared) {
                throw new IllegalStateException(source + ": " + declared + " kernels, but only " + found
                        + " declared as extern \"C\" __global__ void [BOUNDS] name(...)");
            }
            count += found;
        }
        java.append("}\n");
        Files.createDirectories(out.getParent());
        if (!Files.exists(out) || !Files.readString(out).contentEquals(java))
            Files.writeString(out, java); // unchanged: keep the timestamp
        System.out.println("[kernels] " + count + " typed launchers in " + out);
    }

    private static String launcher(String file, String name, String parameters) {
        List<String> javaParams = new ArrayList<>(), writes = new ArrayList<>();
        javaParams.add("Grid launchGrid");
        for (String raw : parameters.split(",")) {
            String p = raw.replace("__restrict__", " ")
                    .replace("const ", " ")
                    .replaceAll("\\s+", " ")
                    .strip();
            int nameAt = Math.max(p.lastIndexOf(' '), p.lastIndexOf('*')) + 1;
            String type = p.substring(0, nameAt).strip(),
                    param = p.substring(nameAt).strip();
            if (type.endsWith("*")) {
                javaParams.add("DevicePointer " + param);
                writes.add(".pointer(" + param + ")");
            } else {
                String[] mapped = SCALARS.get(type);
                if (mapped == null)
                    throw new IllegalStateException(file + ": kernel " + name + ": parameter '" + raw.strip()
                            + "' has a type with no Java mapping");
                javaParams.add(mapped[0] + " " + param);
                writes.add("." + mapped[1] + "(" + param + ")");
            }
        }
        return "\n    /** kernels/" + file + " */\n    void " + name + "(" + String.join(", ", javaParams)
                + ") {\n        runtime.launch(\"" + name + "\", launchGrid, new KernelArgs()" + String.join("", writes)
                + ");\n    }\n";
    }
}
