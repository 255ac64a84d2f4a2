#!/usr/bin/env bash
# Proposition 1 beside an ablation, on synthetic 3D cases (see FisherAblation's comment): trains binary,
# BackSplit, and BackSplit without each auxiliary structure, per seed; prints lesion Dice, false positives,
# the Fisher ratio near the lesions and the ranking of the non-target classes; writes target/fisher_ablation.json.
# Usage: bench/fisher_ablation.sh [SEEDS] [STEPS] [THREADS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/.ci/java.sh"
cd "$here"
mvn -q -B -ntp -Dstyle.color=never -DskipTests package
java --add-modules=jdk.incubator.vector -Xss4m -cp "target/test-classes:target/classes:target/test-lib/*" \
  org.backsplit.experiments.FisherAblation "${1:-3}" "${2:-300}" "${3:-$(nproc)}" target/fisher_ablation.json 2>/dev/null
