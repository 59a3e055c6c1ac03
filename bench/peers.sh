#!/usr/bin/env bash
# carecert beside other FHIR validators, in one run on the same feeds and machine,
# reported per CPU-second (which holds steadier than wall time on a shared machine).
# Peers come from ../shared/peers (npm packages installed into /tmp/peers by its
# setup script); feeds are the generated fixture feed and the Synthea corpus as
# NDJSON (bench/synthea-feed.mjs).
#
# Usage: bench/peers.sh [RECORDS] [SYNTHEA_COPIES] [PEER...]
#   default: 100000 generated records, 8 copies of the Synthea corpus (102,592
#   resources), peers ajv medplum fhirjs fhirpath.
# CARECERT_BASELINE=/path/to/carecert adds another carecert build (a "before").
# Needs GNU time (/usr/bin/time) and node.
#
# Prints one row per feed and tool: resources, CPU and wall seconds of the whole
# process (start-up and definition loading included, for every tool), peak RSS,
# resources per CPU-second, and that rate over carecert's default suites' rate.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}
copies=${2:-8}
shift 2 || shift $# || true
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(ajv medplum fhirjs fhirpath)
shared=${CARECERT_SHARED:-../shared}
[ -x /usr/bin/time ] || { echo "bench/peers.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
[ -d /tmp/peers/node_modules ] || bash "$shared/peers/setup-peers.sh" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/carecert" ./cmd/carecert
"$work/carecert" fixtures generate --seed 1 --records "$records" --defects none --out "$work/gen" >/dev/null
node bench/synthea-feed.mjs "$shared/corpus/synthea-r4" "$copies" "$work/synthea.ndjson" 2>/dev/null

# measure NAME FEED CMD...: one row; the command's output goes to $work/out.
measure() {
  local label=$1 name=$2 feed=$3
  shift 3
  /usr/bin/time -f '%U %S %e %M' -o "$work/time" "$@" > "$work/out" 2>&1 || true
  # GNU time writes "Command exited with non-zero status N" first when it is not 0.
  read -r user sys wall rss < <(tail -n 1 "$work/time")
  local n
  n=$(wc -l < "$feed")
  local cpu
  cpu=$(echo "$user + $sys" | bc)
  local rate
  rate=$(echo "$n / $cpu" | bc -l)
  [ "$name" = "carecert" ] && base=$rate
  printf '%-9s %-30s %9d %8.2f %8.2f %8d %12.0f %8.2f\n' "$label" "$name" "$n" "$cpu" "$wall" $((rss / 1024)) "$rate" "$(echo "$rate / $base" | bc -l)"
}

printf '%-9s %-30s %9s %8s %8s %8s %12s %8s\n' feed tool resources cpu_s wall_s rss_mib res_per_cpu_s vs_carecert
for pair in "generated:$work/gen/feed.ndjson" "synthea:$work/synthea.ndjson"; do
  label=${pair%%:*} feed=${pair#*:}
  base=1
  measure "$label" carecert "$feed" "$work/carecert" validate --quiet "$feed"
  measure "$label" "carecert(structure)" "$feed" "$work/carecert" validate --quiet --suite fhir-r4-structure "$feed"
  measure "$label" "carecert(workers=1)" "$feed" "$work/carecert" validate --quiet --workers 1 "$feed"
  if [ -n "${CARECERT_BASELINE:-}" ]; then
    measure "$label" baseline "$feed" "$CARECERT_BASELINE" validate --quiet "$feed"
  fi
  for p in "${peers[@]}"; do
    measure "$label" "$p" "$feed" node "$shared/peers/validate-ndjson.mjs" "$feed" --peer "$p"
  done
done
