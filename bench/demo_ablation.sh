#!/usr/bin/env bash
# Which auxiliary structure helps most on the demo data? BackSplit trained without each one, beside the demo's
# binary and full BackSplit models (reused from the demo folder), and the Fisher diagnostic's ranking.
# Usage: bench/demo_ablation.sh [DEMO_FOLDER (default backsplit-demo)] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/.ci/java.sh"
cd "$here"
mvn -q -B -ntp -Dstyle.color=never -DskipTests package >&2
java --add-modules=jdk.incubator.vector -Xss4m -cp "target/test-classes:target/classes:target/test-lib/*" \
  org.backsplit.experiments.DemoAblation "${1:-backsplit-demo}" "${2:-$(nproc)}"
