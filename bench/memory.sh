#!/usr/bin/env bash
# Peak memory of `carecert validate` as an NDJSON feed grows: it should stay flat.
# Usage: bench/memory.sh [SIZES_IN_RECORDS...]   (default: 200000 2000000, ~110 MB and ~1.1 GB)
# Prints one line per size: records, bytes, seconds, peak RSS (MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200000 2000000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/carecert" ./cmd/carecert
printf '%-10s %-14s %-8s %s\n' records bytes seconds peak_rss_mib
for n in "${sizes[@]}"; do
  "$work/carecert" fixtures generate --seed 1 --records "$n" --defects none --out "$work/feed-$n" >/dev/null
  bytes=$(stat -c %s "$work/feed-$n/feed.ndjson")
  start=$(date +%s.%N)
  # GNU time is not always installed; read the peak from /proc via a wrapper.
  "$work/carecert" validate --quiet "$work/feed-$n/feed.ndjson" >/dev/null &
  pid=$!
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait "$pid"
  end=$(date +%s.%N)
  printf '%-10s %-14s %-8.1f %d\n' "$n" "$bytes" "$(echo "$end - $start" | bc)" $((peak / 1024))
  rm -rf "$work/feed-$n"
done
