#!/usr/bin/env bash
# Benchmark of issue 15: the cost of --undo-out and --verify. A generated
# plan (go run ./bench/genplan: six changes, by id) runs against a fresh
# `voxbatch sim` four times: plain, with --undo-out, with --verify, with
# both. Each run is measured with /usr/bin/time -v (client CPU and peak
# RSS, whole process wall time); its --summary gives the elapsed time from
# the start of sending to the end of the reads back; the simulator's
# /_sim/stats counts the requests by method. Prints a markdown table.
#
#   bash bench/undo_verify.sh [ROWS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
rate=${2:-5000}
dir=$(mktemp -d)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

go build -o "$dir/voxbatch" .
go run ./bench/genplan -rows "$rows" -o "$dir/plan.csv"

# start_sim starts a fresh simulator of $rows accounts and sets $endpoint.
start_sim() {
  "$dir/voxbatch" sim --listen 127.0.0.1:0 --accounts "$rows" --credentials-out "$dir/creds.json" >"$dir/sim.out" 2>/dev/null &
  sim_pid=$!
  for _ in $(seq 100); do grep -q '^endpoint:' "$dir/sim.out" 2>/dev/null && break; sleep 0.1; done
  endpoint=$(sed -n 's/^endpoint: //p' "$dir/sim.out")
  [ -n "$endpoint" ] || { echo "the simulator did not start" >&2; exit 1; }
}

stop_sim() { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; sim_pid=; }

printf '| run | sets | reads | requests | × minimum | elapsed s | process wall | client CPU s (user+sys) | peak RSS MB | exit |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
minimum=
for variant in plain undo verify both; do
  case $variant in
    plain) flags=() ;;
    undo) flags=(--undo-out "$dir/$variant-undo.csv") ;;
    verify) flags=(--verify) ;;
    both) flags=(--undo-out "$dir/$variant-undo.csv" --verify) ;;
  esac
  start_sim
  code=0
  /usr/bin/time -v -o "$dir/$variant-time.txt" "$dir/voxbatch" run "$dir/plan.csv" --credentials "$dir/creds.json" \
    --endpoint "$endpoint" --report "$dir/$variant-report.csv" --summary "$dir/$variant-summary.json" \
    --rate "$rate" --workers 16 --chunk-size 50 --log-format json "${flags[@]}" >/dev/null 2>"$dir/$variant.log" || code=$?
  stats=$(curl -s "${endpoint%platform_api/}_sim/stats")
  stop_sim
  [ "$code" = 0 ] || { echo "$variant: exit $code" >&2; tail -5 "$dir/$variant.log" >&2; }
  sets=$(jq '.by_method.SetChildAccountInfo // 0' <<<"$stats")
  reads=$(jq '.by_method.GetChildrenAccounts // 0' <<<"$stats")
  requests=$(jq '.requests' <<<"$stats")
  minimum=${minimum:-$sets} # the plain run sends the fewest requests the plan needs
  elapsed=$(jq '.elapsed_seconds' "$dir/$variant-summary.json")
  awk -F': ' -v v="$variant" -v s="$sets" -v r="$reads" -v n="$requests" -v m="$minimum" -v e="$elapsed" -v c="$code" '
    /User time/ {u=$2} /System time/ {y=$2} /Maximum resident/ {k=$2} /Elapsed \(wall/ {w=$2}
    END { printf "| %s | %d | %d | %d | %.2f | %.2f | %s | %.2f | %d | %d |\n", v, s, r, n, n / m, e, w, u + y, k / 1024, c }
  ' "$dir/$variant-time.txt"
done
echo
echo "rows: $rows, client --rate $rate --workers 16 --chunk-size 50; minimum requests (the plain run's): $minimum"
