#!/usr/bin/env bash
# Compare carecert's HL7 v2 reading with a peer parser (@medplum/core Hl7Message,
# parse only) on the same generated ADT feed, in one run on one machine.
#
#   bash ../shared/peers/setup-peers.sh     # once: npm ci into /tmp/peers
#   bash bench/hl7v2-peer.sh [MESSAGES]      # default 20000
#
# carecert is timed twice: with the full hl7v2-structure + nhs-adt-v2 validation,
# and with only the parse requirement; the peer only parses. Ratios are what to
# read: absolute times depend on the machine and its load.
set -euo pipefail
N="${1:-20000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
go build -o "$WORK/carecert" ./cmd/carecert
go run ./fixtures/hl7v2gen/cmd/gen-hl7v2 -messages "$N" -out "$WORK/feed.hl7"
mkdir -p "$WORK/peer" && cp "$WORK/feed.hl7" "$WORK/peer/"
cat > "$WORK/parse-only.yaml" <<'YAML'
id: parse-only
version: 1.0.0
title: HL7 v2 parse only
kinds: [hl7v2]
requirements:
  - {id: PARSE, level: SHALL, title: parse, check: hl7v2-parse}
YAML
timeit() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
full=$(timeit "$WORK/carecert" validate -q --workers 1 --suite hl7v2-structure --suite nhs-adt-v2 "$WORK/feed.hl7")
parse=$(timeit "$WORK/carecert" validate -q --workers 1 --suite "$WORK/parse-only.yaml" "$WORK/feed.hl7")
echo "carecert full-validation messages=$N seconds=$full messages_per_sec=$(echo "$N / $full" | bc)"
echo "carecert parse-only      messages=$N seconds=$parse messages_per_sec=$(echo "$N / $parse" | bc)"
NODE_PATH=/tmp/peers/node_modules node ../shared/peers/parse-hl7v2.mjs "$WORK/peer"
