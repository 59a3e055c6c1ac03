#!/usr/bin/env bash
# Sharded runs on one machine: n shard processes over one generated NDJSON feed,
# for each n in SHARDS. Prints wall time, peak RSS of each shard, and the merge
# time. Usage: bench/shards.sh [RECORDS] [SHARDS...]
#   default: 3900000 records (~2.1 GB) and shard counts 1 2 4.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-3900000}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 2 4)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/carecert" ./cmd/carecert
"$work/carecert" fixtures generate --seed 1 --records "$records" --defects all --out "$work/feed" >/dev/null
bytes=$(stat -c %s "$work/feed/feed.ndjson")
cat > "$work/plan.yaml" <<PLAN
name: shard benchmark
date: 2026-01-01
suites: [fhir-r4-structure]
vendors:
  - name: Bench
    targets:
      - {name: feed, path: feed/feed.ndjson}
PLAN
echo "feed: $records records, $bytes bytes"
printf '%-7s %-12s %-28s %s\n' shards wall_seconds peak_rss_mib_per_shard merge_seconds

# peak_of PID: the highest VmHWM of a process, polled until it exits.
peak_of() {
  local pid=$1 peak=0 rss
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  echo $((peak / 1024))
}

for n in "${counts[@]}"; do
  rm -rf "$work/parts-$n"
  start=$(date +%s.%N)
  pids=()
  for i in $(seq 1 "$n"); do
    "$work/carecert" run "$work/plan.yaml" --shard "$i/$n" --out "$work/parts-$n" --quiet --workers 1 &
    pids+=($!)
  done
  # Watch every shard at once: each watcher writes its shard's peak to a file.
  watchers=()
  for pid in "${pids[@]}"; do peak_of "$pid" > "$work/peak-$pid" & watchers+=($!); done
  for pid in "${pids[@]}"; do wait "$pid"; done
  for w in "${watchers[@]}"; do wait "$w"; done
  peaks=()
  for pid in "${pids[@]}"; do peaks+=("$(cat "$work/peak-$pid")"); done
  end=$(date +%s.%N)
  mstart=$(date +%s.%N)
  "$work/carecert" merge "$work/parts-$n" --out "$work/reports-$n" --quiet || true
  mend=$(date +%s.%N)
  printf '%-7s %-12.1f %-28s %.2f\n' "$n" "$(echo "$end - $start" | bc)" "${peaks[*]}" "$(echo "$mend - $mstart" | bc)"
done
