#!/usr/bin/env bash
# The library as an embedding program meets it: installs the engine's jars into the local Maven repository, builds a
# throwaway Maven project that depends on the core jar (classifier "core"), checks that its dependencies hold none of
# the command line's libraries (picocli, JFreeChart, the progress bar), and segments a volume in memory with it
# (the small nnU-Net model committed for the tests). Run by ./run-tests after the unit tests.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/.ci/java.sh"
cd "$here"
version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)"
echo "smoke: installing org.backsplit:backsplit:$version (jar, core, sources, javadoc)"
mvn -q -B -ntp -DskipTests install

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/main/java/example"
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>embeds-backsplit</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>25</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.backsplit</groupId>
      <artifactId>backsplit</artifactId>
      <version>$version</version>
      <classifier>core</classifier>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.0</version>
      </plugin>
    </plugins>
  </build>
</project>
POM
cat > "$work/src/main/java/example/Embed.java" <<'JAVA'
package example;

import java.nio.file.Path;
import java.util.List;
import org.backsplit.api.Segmentation;
import org.backsplit.api.Segmenter;
import org.backsplit.api.Volume;

public class Embed {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]), images = Path.of(args[1]);
        Volume volume = Volume.read(List.of(images.resolve("case_001_0000.nii.gz"), images.resolve("case_001_0001.nii.gz")));
        try (Segmenter segmenter = Segmenter.builder(model).device("cpu").threads(2).build()) {
            Segmentation s = segmenter.segment(volume);
            long labelled = s.labels().length - s.count(0);
            System.out.println("segmented " + s.labels().length + " voxels, " + labelled + " labelled, classes "
                    + segmenter.classNames());
            if (s.labels().length != volume.voxels()) throw new AssertionError("one label per voxel");
        }
    }
}
JAVA
mvn -q -B -ntp -f "$work/pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt"
if grep -Eq "picocli|jfreechart|progressbar" "$work/classpath.txt"; then
  echo "smoke: FAILED: the core's dependencies include a command-line library:" >&2
  tr ':' '\n' < "$work/classpath.txt" >&2
  exit 1
fi
grep -q "backsplit-$version-core.jar" "$work/classpath.txt" || { echo "smoke: FAILED: not the core jar" >&2; exit 1; }
mvn -q -B -ntp -f "$work/pom.xml" compile
java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$work/target/classes:$(cat "$work/classpath.txt")" example.Embed \
  "$here/tests/resources/nnunet/Dataset901_Tiny/nnUNetTrainer__nnUNetPlans__3d_fullres" \
  "$here/tests/resources/nnunet/imagesTs" 2>&1 | grep -v "^WARNING: Using incubator modules"
echo "smoke: a throwaway project built on the core jar segmented a volume"
