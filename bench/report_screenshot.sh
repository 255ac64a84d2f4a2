#!/usr/bin/env bash
# Renders a demo report in headless Chromium (Debian's chromium, installed if missing) to a PNG, so the report
# can be looked at as a person sees it. Usage: bench/report_screenshot.sh [REPORT.html] [OUT.png]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
report="${1:-$here/backsplit-demo/report/Dataset901_SyntheticAbdomen/index.html}"
out="${2:-${report%.html}.png}"
[ -f "$report" ] || { echo "no report at $report: run ./backsplit demo first" >&2; exit 1; }
if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium ..." >&2
  apt-get install -y -q chromium >&2 || { echo "cannot install chromium (apt-get install chromium needs root)" >&2; exit 1; }
fi
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,4200 \
  --screenshot="$out" "file://$(realpath "$report")" 2>/dev/null
echo "$out"
