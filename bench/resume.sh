#!/usr/bin/env bash
# Benchmark of issue 5: resume of a 1,000,000-row plan whose journal says
# everything is done. A first run applies the plan against the simulator
# and leaves the journal; the measured second run must decide that nothing
# is left to send. Prints the seconds from process start to the runner's
# "nothing left to send" log line, the whole run's wall time, CPU and peak
# memory (/usr/bin/time -v).
#
#   bash bench/resume.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
dir=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

go build -o "$dir/voxbatch" .
go run ./bench/genplan -rows "$rows" -o "$dir/plan.csv"
"$dir/voxbatch" sim --listen 127.0.0.1:0 --accounts "$rows" --credentials-out "$dir/creds.json" >"$dir/sim.out" 2>/dev/null &
sim_pid=$!
for _ in $(seq 100); do grep -q '^endpoint:' "$dir/sim.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(sed -n 's/^endpoint: //p' "$dir/sim.out")

run() {
  "$@" "$dir/voxbatch" run "$dir/plan.csv" --credentials "$dir/creds.json" --endpoint "$endpoint" \
    --report "$dir/report.csv" --rate 5000 --workers 16 --chunk-size 50 --log-format json
}
run env >/dev/null 2>"$dir/first.log" || { tail "$dir/first.log" >&2; exit 1; }

start=$(date +%s.%N)
run /usr/bin/time -v >/dev/null 2>"$dir/second.log"
decided=$(grep -m1 '"nothing left to send"' "$dir/second.log" | sed -n 's/.*"time":"\([^"]*\)".*/\1/p')
[ -n "$decided" ] || { echo "the resumed run did not decide 'nothing left to send'" >&2; tail "$dir/second.log" >&2; exit 1; }
awk -F': ' -v start="$start" -v decided="$(date -d "$decided" +%s.%N)" '
  /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2} /Elapsed \(wall/ {w=$2}
  END {
    printf "| rows | decided after (s) | whole run wall | CPU s (user+sys) | peak RSS MB |\n|---|---|---|---|---|\n"
    printf "| %d | %.2f | %s | %.2f | %d |\n", '"$rows"', decided - start, w, u + s, m / 1024
  }' "$dir/second.log"
