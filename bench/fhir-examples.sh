#!/usr/bin/env bash
# Precision of the FHIR R4 checks on the specification's own examples: the
# npm package hl7.fhir.r4.examples 4.0.1, every example resource published
# with R4 (Patients to StructureDefinitions, Bundles of value sets and data
# elements). The reference validator passes nearly all of them, so an error
# carecert finds is presumed false until judged against the specification's
# text (docs/fhir-examples.md holds the judgements).
#
#   bash bench/fhir-examples.sh [PACKS] [CARECERT] [LISTING]
#   bash bench/fhir-examples.sh definitions [PACKS]
#   bash bench/fhir-examples.sh conformance [PACKS]
#
# The second form validates nothing: it compares every core
# StructureDefinition embedded in this checkout (fhir/r4core/data) with the
# one the package publishes under the same URL, element by element of the
# snapshot (id, cardinality, types with their profiles and target profiles,
# binding strength and value set), and prints every difference (`<` embedded,
# `>` as R4 publishes it); it exits 1 if there is one.
#
# The third validates nothing either: it compares the other conformance
# resources embedded as R4's (value sets, code systems, concept maps, search
# parameters, extensions and profiles: ids, URLs, versions, compose, concept
# codes, groups, expressions, snapshots) with the package's, and the codes
# carecert's terminology engine enumerates for each value set with R4's
# expansions as published in hl7.fhir.r4.expansions 4.0.1 (bench/r4-conformance
# prints them; value sets carecert cannot enumerate offline are listed apart,
# not counted); it exits 1 if there is a difference.
#
# PACKS is a folder holding the package's tarball (as `npm pack` writes it:
# hl7.fhir.r4.examples-4.0.1.tgz, and hl7.fhir.r4.expansions-4.0.1.tgz for
# conformance); without it the tarball is fetched with
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
EXPANSIONS=hl7.fhir.r4.expansions@4.0.1

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=validate
case "${1:-}" in definitions | conformance) MODE="$1"; shift ;; esac
PACKS="${1:-}"
BIN="${2:-}"
LISTING="${3:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=bench/lib/npm-packs.sh
. "$ROOT/bench/lib/npm-packs.sh"
if [ "$MODE" = conformance ]; then
  npm_fetch "$PACKAGE" "$EXPANSIONS"
  mkdir -p "$WORK/expansions"
  tar -xzf "$(npm_tarball "$EXPANSIONS")" -C "$WORK/expansions"
  tar -xzf "$(npm_tarball "$PACKAGE")" -C "$WORK"
  echo "packages: $PACKAGE, $EXPANSIONS"
  rc=0
  (cd "$ROOT" && go run ./bench/r4-conformance -published "$WORK/package" -expansions "$WORK/expansions/package") || rc=$?
  exit "$rc"
fi
npm_fetch "$PACKAGE"
tgz="$(npm_tarball "$PACKAGE")"
mkdir -p "$WORK/unpacked" "$WORK/examples"
tar -xzf "$tgz" -C "$WORK/unpacked"
find "$WORK/unpacked/package" -maxdepth 1 -type f -name '*.json' ! -name package.json ! -name .index.json \
  -exec mv -t "$WORK/examples" {} +
files="$(find "$WORK/examples" -type f | wc -l)"

if [ "$MODE" = definitions ]; then
  # One line per snapshot element of a core StructureDefinition.
  shape='select(.resourceType == "StructureDefinition" and (.url | startswith("http://hl7.org/fhir/StructureDefinition/")))
    | .url as $u | (.snapshot.element // [])[]
    | [($u | ltrimstr("http://hl7.org/fhir/StructureDefinition/")), .id, "\(.min)..\(.max)",
       ([.type[]? | .code
         + (if .profile then "(" + (.profile | join(",")) + ")" else "" end)
         + (if .targetProfile then "->" + (.targetProfile | map(ltrimstr("http://hl7.org/fhir/StructureDefinition/")) | sort | join(",")) else "" end)]
        | join("|")),
       (if .binding then "\(.binding.strength) \(.binding.valueSet // "")" else "" end)] | @tsv'
  mkdir -p "$WORK/embedded"
  for zip in profiles-types profiles-resources; do
    unzip -q -o "$ROOT/fhir/r4core/data/$zip.zip" '*-StructureDefinition-*.json' -d "$WORK/embedded"
  done
  find "$WORK/embedded" -name '*.json' -exec jq -r "$shape" {} + | sort >"$WORK/embedded.tsv"
  cut -f1 "$WORK/embedded.tsv" | sort -u >"$WORK/types"
  find "$WORK/examples" -name 'StructureDefinition-*.json' -exec jq -r "$shape" {} + | sort \
    | awk -F'\t' 'NR == FNR { t[$1] = 1; next } t[$1]' "$WORK/types" - >"$WORK/published.tsv"
  missing="$(cut -f1 "$WORK/published.tsv" | sort -u | comm -13 - "$WORK/types")"
  echo "package: $PACKAGE"
  echo "core StructureDefinitions embedded: $(wc -l <"$WORK/types"), of them not published in the package: ${missing:-none}"
  echo "snapshot elements: embedded $(wc -l <"$WORK/embedded.tsv"), published $(wc -l <"$WORK/published.tsv")"
  echo "differences (< embedded, > published; type, element id, cardinality, types, binding):"
  differences="$(diff "$WORK/embedded.tsv" "$WORK/published.tsv" | grep '^[<>]' || true)"
  echo "${differences:-  none}"
  [ -z "$differences" ]
  exit
fi

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
