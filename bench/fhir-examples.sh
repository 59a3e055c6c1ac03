#!/usr/bin/env bash
# Precision of the FHIR R4 checks on the specification's own examples: the
# npm package hl7.fhir.r4.examples 4.0.1, every example resource published
# with R4 (Patients to StructureDefinitions, Bundles of value sets and data
# elements). The reference validator passes nearly all of them, so an error
# carecert finds is presumed false until judged against the specification's
# text (docs/fhir-examples.md holds the judgements).
#
#   bash bench/fhir-examples.sh [PACKS] [CARECERT] [LISTING]
#
# PACKS is a folder holding the package's tarball (as `npm pack` writes it:
# hl7.fhir.r4.examples-4.0.1.tgz); without it the tarball is fetched with
# `npm pack` into a temporary folder (needs the npm registry). Nothing is
# installed or run from the package, and nothing of it is copied into the
# repository: it is unpacked in the temporary folder, and every JSON file but
# the package's own manifest and index is a resource file. CARECERT defaults
# to a binary built from this checkout; give an older binary to measure before
# and after in one run. LISTING, if given, is a file the per-rule listing is
# written to as well (every error finding: rule, file, record, path, message).
# Needs jq (and npm without PACKS).
#
# It validates the files with the default suites (structure, profiles,
# terminology) through `carecert validate`, and prints: files, resources
# (records: each Bundle entry is one), error findings by requirement and by
# rule (the finding's code), resources with any error, and the error findings
# by rule and message shape (quoted values, URLs and numbers made alike), with
# a count and the files that hold most of them, for triage.
set -euo pipefail

PACKAGE=hl7.fhir.r4.examples@4.0.1

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PACKS="${1:-}"
BIN="${2:-}"
LISTING="${3:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=bench/lib/npm-packs.sh
. "$ROOT/bench/lib/npm-packs.sh"
npm_fetch "$PACKAGE"
tgz="$(npm_tarball "$PACKAGE")"
mkdir -p "$WORK/unpacked" "$WORK/examples"
tar -xzf "$tgz" -C "$WORK/unpacked"
find "$WORK/unpacked/package" -maxdepth 1 -type f -name '*.json' ! -name package.json ! -name .index.json \
  -exec mv -t "$WORK/examples" {} +
files="$(find "$WORK/examples" -type f | wc -l)"

if [ -z "$BIN" ]; then
  (cd "$ROOT" && go build -o "$WORK/carecert" ./cmd/carecert)
  BIN="$WORK/carecert"
fi
# Every finding is kept (--max-findings): the counts by rule are read from them.
rc=0
(cd "$WORK" && "$BIN" validate -q --evidence full --format json --max-findings 100000000 examples) \
  >"$WORK/report.json" || rc=$?
if [ "$rc" -gt 1 ]; then
  echo "fhir-examples: carecert validate exited $rc" >&2
  exit "$rc"
fi

echo "package: $PACKAGE"
echo "files: $files"
jq -r '
  .targets[0] as $t
  | [$t.results[].findings[]? | select(.severity == "error")] as $errors
  | "resources (records; a Bundle entry is one): \($t.records)",
    "resources with any error: \(.summary.defects.failing)",
    "error findings: \($errors | length)",
    "",
    "errors by requirement:",
    ($t.results[] | select(.errors > 0) | "  \(.errors)\t\(.suite) \(.requirement)"),
    "",
    "error findings by rule:",
    ($errors | group_by(.code) | sort_by(-length) | map("  \(length)\t\(.[0].code)") | .[]),
    "",
    "error findings by rule and message shape (count, rule, shape, files holding most):",
    ($errors
      | map(. + {shape: (.message
          | gsub("\"[^\"]*\""; "\"…\"") | gsub("'"'"'[^'"'"']*'"'"'"; "'"'"'…'"'"'")
          | gsub("(https?|urn):[^ ,;)]*"; "URL") | gsub("[0-9]+"; "N")
          | gsub("^[A-Za-z0-9_.:\\[\\]-]+ (?<w>is |has |must |carries )"; "ELEMENT \(.w)")
          | .[0:150])})
      | group_by([.code, .shape]) | sort_by(-length)
      | map("  \(length)\t\(.[0].code)\t\(.[0].shape)\n\t\t\([.[] | .file | split("/") | last]
          | group_by(.) | sort_by(-length) | .[0:3] | map("\(.[0]) (\(length))") | join(", "))")
      | .[])
' "$WORK/report.json"

if [ -n "$LISTING" ]; then
  jq -r '.targets[0].results[].findings[]? | select(.severity == "error")
    | [.code, (.file | split("/") | last), .record, .path, .message] | @tsv' "$WORK/report.json" | sort >"$LISTING"
  echo
  echo "per-rule listing: $LISTING ($(wc -l <"$LISTING") error findings)"
fi
