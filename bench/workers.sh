#!/usr/bin/env bash
# What the default worker count costs beside one worker: carecert validate on
# the same feeds with --workers 1 and with the default (one worker per core),
# in interleaved rounds, so that both see the same machine. On a shared
# machine only the ratios within one run mean anything.
#
# Usage: bench/workers.sh [RECORDS] [SYNTHEA_COPIES] [ROUNDS]
#   default: 100000 generated records, 8 copies of the Synthea corpus (102,592
#   resources), 3 rounds.
# CARECERT_BASELINE=/path/to/carecert measures another build (a "before") in
# the same rounds. Needs GNU time (/usr/bin/time) and node.
#
# "pair" is a control: two --workers 1 processes on the whole feed at once,
# each one's CPU a value of the median. They share the cores but no memory,
# so default over 1 beyond pair over 1 is what the one process's two running
# threads cost (its heap, its locks, its scheduler), not the machine.
#
# Prints one row per feed, build and worker count: medians over the rounds of
# CPU seconds (user + system, whole process, start-up included) per 100,000
# resources, wall seconds, peak RSS, resources per CPU-second, and CPU per
# resource over the same build's --workers 1.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}
copies=${2:-8}
rounds=${3:-3}
shared=${CARECERT_SHARED:-../shared}
[ -x /usr/bin/time ] || { echo "bench/workers.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/carecert" ./cmd/carecert
"$work/carecert" fixtures generate --seed 1 --records "$records" --defects none --out "$work/gen" >/dev/null
node bench/synthea-feed.mjs "$shared/corpus/synthea-r4" "$copies" "$work/synthea.ndjson" 2>/dev/null

builds=("head:$work/carecert")
[ -z "${CARECERT_BASELINE:-}" ] || builds+=("baseline:$CARECERT_BASELINE")
feeds=("generated:$work/gen/feed.ndjson" "synthea:$work/synthea.ndjson")

# One line per run into $work/runs: feed build workers cpu wall rss_kib.
for ((r = 1; r <= rounds; r++)); do
  for f in "${feeds[@]}"; do
    for b in "${builds[@]}"; do
      for w in 1 default pair; do
        args=(validate --quiet)
        [ "$w" = default ] || args+=(--workers 1)
        if [ "$w" = pair ]; then
          /usr/bin/time -f '%U %S %e %M' -o "$work/time2" "${b#*:}" "${args[@]}" "${f#*:}" >/dev/null 2>&1 &
        fi
        /usr/bin/time -f '%U %S %e %M' -o "$work/time" "${b#*:}" "${args[@]}" "${f#*:}" >/dev/null 2>&1 || true
        wait
        for t in "$work/time" "$work/time2"; do
          [ "$w" = pair ] || [ "$t" = "$work/time" ] || continue
          read -r user sys wall rss < <(tail -n 1 "$t")
          echo "${f%%:*} ${b%%:*} $w $(echo "$user + $sys" | bc) $wall $rss" >> "$work/runs"
        done
      done
    done
  done
done

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
printf '%-9s %-9s %-8s %9s %14s %8s %8s %13s %10s\n' feed build workers resources cpu_s_per_100k wall_s rss_mib res_per_cpu_s vs_workers1
for f in "${feeds[@]}"; do
  n=$(wc -l < "${f#*:}")
  for b in "${builds[@]}"; do
    one=
    for w in 1 default pair; do
      sel() { awk -v f="${f%%:*}" -v b="${b%%:*}" -v w="$w" -v c="$1" '$1 == f && $2 == b && $3 == w {print $c}' "$work/runs"; }
      cpu=$(sel 4 | median) wall=$(sel 5 | median) rss=$(sel 6 | median)
      [ -n "$one" ] || one=$cpu
      printf '%-9s %-9s %-8s %9d %14.2f %8.2f %8d %13.0f %10.2f\n' "${f%%:*}" "${b%%:*}" "$w" "$n" \
        "$(echo "$cpu * 100000 / $n" | bc -l)" "$wall" $((${rss%.*} / 1024)) "$(echo "$n / $cpu" | bc -l)" "$(echo "$cpu / $one" | bc -l)"
    done
  done
done
