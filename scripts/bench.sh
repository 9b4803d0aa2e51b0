#!/usr/bin/env bash
# npm run bench: synth, report and test timings on the machine it runs on. Targets (on a 2-core machine):
#   app-only synth of the example config <= 0.6 s and <= 200 MB peak RSS; npm test <= 15 s.
# The review report has no target: its time and memory are reported, for the example and
# for an organization of 100 workload accounts in two regions each.
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

echo; echo "review report, example config (npm run report without npm: node --import tsx scripts/report.ts)"
node scripts/app.js
timeit report 5 "node --import tsx scripts/report.ts"
echo "  peak RSS: $(peak_rss node --import tsx scripts/report.ts)"

echo; echo "review report, 100 workload accounts x 2 regions"
node -e '
  const fs = require("fs");
  const raw = require("yaml").parse(fs.readFileSync("sessions.yaml", "utf8"));
  raw.workloads = Array.from({ length: 100 }, (_, i) => ({
    name: `w${String(i).padStart(3, "0")}`,
    accountId: String(500000000000 + i),
    regions: ["eu-west-1", "us-east-1"],
    accessGroups: [{ name: "ops", instanceTags: { Team: [`t${i}`] }, allowSsh: i % 2 === 0 }],
  }));
  fs.writeFileSync(process.argv[1], JSON.stringify(raw));' "$out/org100.json"
export SESSIONS_CONFIG="$out/org100.json"
node scripts/app.js
timeit report-100 3 "node --import tsx scripts/report.ts"
echo "  peak RSS: $(peak_rss node --import tsx scripts/report.ts)"
node --import tsx scripts/report.ts | sed 's/^/  /'
echo "  review.md: $(wc -c < "$CDKTF_OUTDIR/review.md") bytes, $(wc -l < "$CDKTF_OUTDIR/review.md") lines"
