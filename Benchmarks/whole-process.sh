#!/usr/bin/env bash
# Whole-process time of `sxsim run` (process start to report, as an engineer runs it) on the
# flowsheets given, default Benchmarks/flowsheets/mass-action-100x6.yaml (issue 9, item 6: a
# 100-stage, 6-element mass-action extraction + scrub + strip cascade, target <= 20 ms), with
# `sxsim --version` alone as the process start-up. Release build with --static-swift-stdlib as
# in the README; hyperfine, 10 warm-up and 100 timed runs; medians.
#
#   Benchmarks/whole-process.sh [FLOWSHEET ...]    prints a markdown table (needs hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product sxsim >&2
bin=.build/release/sxsim
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }
[ $# -gt 0 ] || set -- Benchmarks/flowsheets/mass-action-100x6.yaml
median() {  # median wall time of a command, in ms
    local json; json=$(mktemp)
    hyperfine -N --warmup 10 --runs 100 --export-json "$json" "$1" >/dev/null 2>&1
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{r['median']*1000:.1f} ms (mean {r['mean']*1000:.1f} ± {r['stddev']*1000:.1f})\")" "$json"
    rm -f "$json"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | median | Newton iterations |"
echo "|---|---:|---:|"
echo "| \`sxsim --version\` | $(median "$bin --version") | |"
for f in "$@"; do
    iterations=$($bin run "$f" --no-timing | sed -n 's/.*converged, \([0-9]*\) Newton iterations.*/\1/p' | head -1)
    echo "| \`sxsim run $f\` | $(median "$bin run $f --no-timing") | ${iterations:-?} |"
done
