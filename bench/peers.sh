#!/usr/bin/env bash
# carecert beside other FHIR validators, in one run on the same feed and machine.
# Peers come from ../shared/peers (npm packages installed into /tmp/peers by its
# setup script). Usage: bench/peers.sh [RECORDS] [PEER...]
#   default: 100000 generated records; peers ajv medplum fhirjs fhirpath.
# Prints one line per tool in the peers' format (resources_per_sec is the figure).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}
shift || true
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(ajv medplum fhirjs fhirpath)
shared=${CARECERT_SHARED:-../shared}
[ -d /tmp/peers/node_modules ] || bash "$shared/peers/setup-peers.sh" >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/carecert" ./cmd/carecert
"$work/carecert" fixtures generate --seed 1 --records "$records" --defects none --out "$work/feed" >/dev/null
feed="$work/feed/feed.ndjson"

for suite in fhir-r4-structure "${CARECERT_SUITES:-}"; do
  [ -n "$suite" ] || continue
  start=$(date +%s.%N)
  "$work/carecert" validate --quiet --suite "$suite" "$feed" > "$work/out.txt" || true
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  printf 'peer=carecert(%s) resources=%s seconds=%.2f resources_per_sec=%.0f  [%s]\n' \
    "$suite" "$records" "$secs" "$(echo "$records / $secs" | bc -l)" "$(tail -1 "$work/out.txt")"
done
for p in "${peers[@]}"; do
  node "$shared/peers/validate-ndjson.mjs" "$feed" --peer "$p" | grep '^peer=' || echo "peer=$p failed"
done
