#!/usr/bin/env bash
# Benchmark of issue 2: `voxbatch validate` of a generated 1,000,000-row plan,
# CPU seconds (user + system) and peak memory from /usr/bin/time -v, and the
# ratio of its CPU time to a plain encoding/csv read of the same file, both
# measured in this one run.
#
#   bash bench/validate.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

go build -o "$dir/voxbatch" .
go build -o "$dir/csvread" ./bench/csvread
go run ./bench/genplan -rows "$rows" -o "$dir/plan.csv"

measure() { # prints "cpu_seconds max_rss_kb wall"
  /usr/bin/time -v "$@" >/dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt" >&2; exit 1; }
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2} /Elapsed \(wall/ {w=$2}
    END {printf "%.2f %d %s\n", u+s, m, w}' "$dir/time.txt"
}

read -r v_cpu v_rss v_wall < <(measure "$dir/voxbatch" validate "$dir/plan.csv")
read -r c_cpu c_rss c_wall < <(measure "$dir/csvread" "$dir/plan.csv")
printf '| command | CPU s (user+sys) | peak RSS MB | wall |\n|---|---|---|---|\n'
printf '| voxbatch validate (%d rows) | %s | %d | %s |\n' "$rows" "$v_cpu" $((v_rss / 1024)) "$v_wall"
printf '| encoding/csv read | %s | %d | %s |\n' "$c_cpu" $((c_rss / 1024)) "$c_wall"
awk -v a="$v_cpu" -v b="$c_cpu" 'BEGIN { if (b > 0) printf "ratio validate / csv read: %.1f\n", a / b }'
