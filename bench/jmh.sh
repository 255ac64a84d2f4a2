#!/usr/bin/env bash
# Runs the JMH benchmarks of bench/java (all, or those matching the arguments), with Java 25.
# Usage: bench/jmh.sh [JMH ARGS...]   e.g. bench/jmh.sh ConvBench -p shape=8-8-32-1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/.ci/java.sh"
cd "$here"
mvn -q -B -ntp -Dstyle.color=never -DskipTests package
exec java -cp "target/test-classes:target/classes:target/test-lib/*" org.openjdk.jmh.Main "$@"
