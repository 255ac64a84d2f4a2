#!/usr/bin/env bash
# Here, before a GPU run: builds the jar with its kernels, a Java 25 runtime (.jre) and target/gpu (classes,
# test classes, dependency jars, JUnit's console launcher, the PyTorch step reference), everything bench/gpu/run.sh needs on a GPU host
# that has no Java, Maven or network. Then: run with carry [".jre", "target/gpu"], command bench/gpu/run.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/.ci/java.sh"
cd "$here"
mvn -q -B -ntp -Dstyle.color=never -DskipTests package
[ -f target/classes/kernels/backsplit.fatbin ] || { echo "no kernels were built (nvcc missing?)" >&2; exit 1; }
if [ ! -x .jre/bin/java ]; then
  JDK25="$JAVA_HOME" ../shared/gpu/make-jre.sh .jre \
    java.base,java.logging,java.management,jdk.management,jdk.unsupported,java.xml,java.sql,jdk.incubator.vector
fi
rm -rf target/gpu && mkdir -p target/gpu/lib
cp -r target/classes target/test-classes target/gpu/
# the GPU tests read no test data (PyTorch fixtures, NIfTI files): leave it here, the carry is 64 MiB in all
rm -rf target/gpu/test-classes/fixtures target/gpu/test-classes/nifti target/gpu/test-classes/*.json
find target/test-lib -name '*.jar' ! -name 'junit-*' ! -name 'opentest4j*' ! -name 'apiguardian*' -exec cp {} target/gpu/lib/ \;
mvn -q -B -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:6.1.3 -DoutputDirectory=target/gpu
mv target/gpu/junit-platform-console-standalone-6.1.3.jar target/gpu/junit-platform-console-standalone.jar
# the PyTorch whole-step reference travels with the build (run.sh compares the step against it in the same run)
mkdir -p target/gpu/ref
cp ../shared/reference/torch_unet_step.py target/gpu/ref/
du -sh .jre target/gpu
total=$(du -sb .jre target/gpu | awk '{s += $1} END {print s}')
if [ "$total" -gt $((64 * 1024 * 1024)) ]; then
  echo "prepare.sh: .jre + target/gpu is $((total / 1048576)) MiB, over the 64 MiB a run can carry" >&2
  exit 1
fi
echo "carry: $((total / 1048576)) MiB of 64"
