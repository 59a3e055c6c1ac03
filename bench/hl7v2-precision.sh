#!/usr/bin/env bash
# Precision of the HL7 v2 checks: how many error findings a set of messages that
# are meant to be valid gets, per requirement and per message. The target on
# valid standard messages is zero; every error left is either a true defect of
# the message or a false error to fix.
#
#   bash bench/hl7v2-precision.sh [DIR] [CARECERT]
#
# DIR defaults to ../shared/hl7v2-samples (139 public sample messages);
# CARECERT to a binary built from this checkout. Give an older binary as
# CARECERT to measure before and after in one run. Needs jq.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:-$ROOT/../shared/hl7v2-samples}"
BIN="${2:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ -z "$BIN" ]; then
  (cd "$ROOT" && go build -o "$WORK/carecert" ./cmd/carecert)
  BIN="$WORK/carecert"
fi
"$BIN" validate -q --format json --suite hl7v2-structure "$DIR" >"$WORK/report.json" || true
jq -r '
  .targets[0] as $t
  | ($t.records) as $n
  | "messages: \($n)",
    ($t.results[] | select(.suite == "hl7v2-structure")
      | "\(.requirement)\terrors \(.errors)\tper message \((.errors / $n * 1000 | round) / 1000)"),
    "all requirements\terrors \([$t.results[] | select(.suite == "hl7v2-structure") | .errors] | add)\tper message \(([$t.results[] | select(.suite == "hl7v2-structure") | .errors] | add) / $n * 1000 | round / 1000)",
    "",
    "error findings by code:",
    ([$t.results[].findings[]? | select(.severity == "error") | .code] | group_by(.) | map("  \(length)\t\(.[0])") | .[]),
    "",
    "messages with a structure error:",
    ([$t.results[] | select(.requirement == "V2-STRUCTURE") | .findings[]? | select(.severity == "error") | .file | split("/") | last]
      | group_by(.) | map("  \(length)\t\(.[0])") | .[])
' "$WORK/report.json"
