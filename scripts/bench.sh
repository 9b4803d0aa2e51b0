#!/usr/bin/env bash
# npm run bench: synth and test timings on this machine. Targets (issue "Core", 2-core machine):
#   app-only synth of the example config <= 0.6 s and <= 200 MB peak RSS; npm test <= 15 s.
# Uses hyperfine when present (apt-get install hyperfine), else the median of repeated runs.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export CDKTF_OUTDIR="$out/cdktf.out"
runs="${BENCH_RUNS:-10}"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), node $(node -v)"
node scripts/build.js   # a fresh bundle, so the synth runs below measure synth, not the one-off rebuild

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timeit() { # name, runs, command (one string of plain words)
  local name="$1" n="$2" cmd="$3"
  if command -v hyperfine >/dev/null; then
    hyperfine --style basic -N -w 2 -r "$n" -n "$name" "$cmd" 2>&1 | grep -E "Time|Range|Error"
  else
    # shellcheck disable=SC2086
    for _ in $(seq "$n"); do /usr/bin/time -f "%e" $cmd 2>&1 >/dev/null | tail -1; done | median | xargs printf "  %s: median %s s\n" "$name"
  fi
}
peak_rss() { # max RSS of 5 runs, in MB
  for _ in 1 2 3 4 5; do /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; done | sort -n | tail -1 | awk '{printf "%.0f MB", $1/1024}'
}

echo; echo "floor: loading cdktf alone (node -r cdktf -e 0)"
timeit floor "$runs" "node -r cdktf -e 0"
echo; echo "app-only synth (node scripts/app.js, the cdktf app command; target <= 0.6 s)"
timeit synth "$runs" "node scripts/app.js"
echo "  peak RSS: $(peak_rss node scripts/app.js) (target <= 200 MB)"
echo; echo "synth without the bundle (node --import tsx main.ts), for comparison"
timeit synth-tsx 5 "node --import tsx main.ts"
echo; echo "npm test (target <= 15 s)"
timeit test 3 "node node_modules/jest/bin/jest.js --silent"
