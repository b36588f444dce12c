#!/usr/bin/env bash
# Whole-process time of the PrOMMiS-like empirical sulfate cascade (Flowsheets/prommis-p1.yaml,
# PrOMMiS's P1 chemistry) at 3, 10, 50, 100 and 200 stages: `sxsim run` from process start to
# report, release build, median of hyperfine's runs. PrOMMiS needs about 1.8, 7.2, 20 and 36 s
# for build + initialisation + solve of 10, 50, 100 and 200 stages on this kind of machine
# (issue 10), so the ratio column divides those by SXSim's time.
#
#   Benchmarks/prommis.sh        prints a markdown table (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product sxsim >&2
bin=.build/release/sxsim
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 1; }
declare -A prommis=([10]=1.8 [50]=7.2 [100]=20 [200]=36)
echo "| stages | sxsim run, median | Newton iterations | PrOMMiS (issue 10) | ratio |"
echo "|---:|---:|---:|---:|---:|"
for n in 3 10 50 100 200; do
    args="run Flowsheets/prommis-p1.yaml --no-timing --set cascades.sx.sections.extraction.stages=$n"
    json=$(mktemp)
    hyperfine --warmup 3 --runs 30 --export-json "$json" "$bin $args" >/dev/null 2>&1
    median=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$json")
    rm -f "$json"
    iterations=$($bin $args | sed -n 's/.*converged, \([0-9]*\) Newton iterations.*/\1/p' | head -1)
    ms=$(python3 -c "print(f'{$median*1000:.1f} ms')")
    if [ -n "${prommis[$n]:-}" ]; then
        ratio=$(python3 -c "print(f'{${prommis[$n]}/$median:,.0f}x')")
        echo "| $n | $ms | $iterations | ${prommis[$n]} s | $ratio |"
    else
        echo "| $n | $ms | $iterations | | |"
    fi
done
