# Sourced by the CPU benchmarks that run beside PyTorch: selects Java 25, builds the jar and test classes,
# finds the shared PyTorch reference (../shared/reference or ./shared/reference) as $reference and installs
# Debian's python3-torch if it is missing. Expects $here (the repository root).
source "$here/.ci/java.sh"
cd "$here"
mvn -q -B -ntp -Dstyle.color=never -DskipTests package
reference="$here/../shared/reference"
[ -f "$reference/torch_unet_step.py" ] || reference="$here/shared/reference"
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "installing Debian's python3-torch for the PyTorch side" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch) >&2
fi
