#!/usr/bin/env bash
# Benchmark of issue 16: `voxbatch validate` of a generated workbook of
# 200,000 rows against a plain excelize streaming read of the same sheet
# (bench/xlsxread: OpenFile, Rows, Columns), as whole processes under
# /usr/bin/time -v: CPU seconds (user + system) and peak memory. The two
# alternate RUNS times (default 5) and the medians are compared, so that a
# busy moment of a shared machine weighs on neither alone.
# Targets: CPU at most 1.5 times the plain read's, peak RSS at most 300 MB.
#
#   bash bench/xlsx.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000}
runs=${2:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

go build -o "$dir/voxbatch" .
go build -o "$dir/xlsxread" ./bench/xlsxread
go run ./bench/genxlsx -rows "$rows" -o "$dir/plan.xlsx"

measure() { # prints "cpu_seconds max_rss_kb"
  /usr/bin/time -v "$@" >/dev/null 2>"$dir/time.txt" || { cat "$dir/time.txt" >&2; exit 1; }
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
    END {printf "%.2f %d\n", u+s, m}' "$dir/time.txt"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

: >"$dir/v.txt"
: >"$dir/x.txt"
for _ in $(seq "$runs"); do
  measure "$dir/voxbatch" validate "$dir/plan.xlsx" >>"$dir/v.txt"
  measure "$dir/xlsxread" "$dir/plan.xlsx" >>"$dir/x.txt"
done
v_cpu=$(cut -d' ' -f1 "$dir/v.txt" | median)
x_cpu=$(cut -d' ' -f1 "$dir/x.txt" | median)
v_rss=$(cut -d' ' -f2 "$dir/v.txt" | sort -n | tail -1)
x_rss=$(cut -d' ' -f2 "$dir/x.txt" | sort -n | tail -1)
size=$(wc -c <"$dir/plan.xlsx")

printf 'workbook: %d rows, %d bytes; %d runs each, alternating\n\n' "$rows" "$size" "$runs"
printf '| command | CPU s (user+sys), median | peak RSS MB, highest |\n|---|---|---|\n'
printf '| voxbatch validate plan.xlsx | %s | %d |\n' "$v_cpu" $((v_rss / 1024))
printf '| excelize streaming read (bench/xlsxread) | %s | %d |\n' "$x_cpu" $((x_rss / 1024))
awk -v a="$v_cpu" -v b="$x_cpu" -v m="$v_rss" 'BEGIN {
  r = (b > 0) ? a / b : 0
  printf "\nratio validate / excelize read: %.2f (target at most 1.5: %s)\n", r, (r <= 1.5) ? "met" : "NOT met"
  printf "peak RSS of validate: %d MB (target at most 300 MB: %s)\n", m / 1024, (m / 1024 <= 300) ? "met" : "NOT met"
}'
