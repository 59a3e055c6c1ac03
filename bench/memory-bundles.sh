#!/usr/bin/env bash
# Peak memory and CPU of `carecert validate` on one large Bundle as it grows,
# in JSON and in XML, and on a folder of one XML file per resource: each
# should stay flat, as NDJSON does (bench/memory.sh).
# Usage: bench/memory-bundles.sh [SIZES_IN_ENTRIES...]   (default: 2000 20000 200000)
# CARECERT_BASELINE=/path/to/carecert adds rows for another build (a "before").
# Builds each input from `carecert fixtures generate --seed 1 --records N
# --defects none` with bench/bundles (a collection Bundle, fullUrls that the
# feed's references resolve against, one entry per line; XML by fhirxml.Encode).
# Needs GNU time (/usr/bin/time).
#
# Prints one row per input and build: entries, bytes, CPU seconds (user +
# system), wall seconds, peak RSS (MiB), and the summary line's record count.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 20000 200000)
[ -x /usr/bin/time ] || { echo "bench/memory-bundles.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/carecert" ./cmd/carecert
go build -o "$work/bundles" ./bench/bundles
builds=("head:$work/carecert")
[ -z "${CARECERT_BASELINE:-}" ] || builds+=("baseline:$CARECERT_BASELINE")

# measure BUILD SHAPE ENTRIES INPUT: one row. validate exits 1 on error
# findings, which a clean feed should not have; the row shows the records read.
measure() {
  local build=$1 shape=$2 n=$3 input=$4 bin=${1#*:}
  local bytes
  bytes=$(du -sb "$input" | cut -f1)
  /usr/bin/time -f '%U %S %e %M' -o "$work/time" "$bin" validate --quiet "$input" > "$work/out" 2>&1 || true
  read -r user sys wall rss < <(tail -n 1 "$work/time")
  printf '%-9s %-11s %8d %11d %8.2f %8.2f %8d  %s\n' "${build%%:*}" "$shape" "$n" "$bytes" \
    "$(echo "$user + $sys" | bc)" "$wall" $((rss / 1024)) "$(grep -o '^[0-9]* record(s)' "$work/out" || head -c 80 "$work/out")"
}

printf '%-9s %-11s %8s %11s %8s %8s %8s  %s\n' build shape entries bytes cpu_s wall_s rss_mib read
for n in "${sizes[@]}"; do
  "$work/carecert" fixtures generate --seed 1 --records "$n" --defects none --out "$work/feed" >/dev/null
  "$work/bundles" "$work/feed/feed.ndjson" "$work/in"
  for b in "${builds[@]}"; do
    measure "$b" json-bundle "$n" "$work/in/bundle.json"
    measure "$b" xml-bundle "$n" "$work/in/bundle.xml"
    measure "$b" xml-folder "$n" "$work/in/xml"
  done
  rm -rf "$work/feed" "$work/in"
done
