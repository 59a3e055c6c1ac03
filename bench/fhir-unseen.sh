#!/usr/bin/env bash
# Agreement with the HL7 reference validator (error / no error) on the R4
# validation cases of fhir-test-cases that are NOT in ../shared/conformance-cases:
# cases never used to build carecert, so a figure of generalisation.
#
#   bash bench/fhir-unseen.sh MIRROR [SHARED-MANIFEST]
#   CASE=name bash bench/fhir-unseen.sh MIRROR   # one case, every finding
#   FLAGS="-terminology -counts" bash bench/fhir-unseen.sh MIRROR
#     -terminology: codes judged by carecert's terminology engine, as
#     carecert validate judges them; -counts: the steps whose error count
#     differs, with carecert's errors
#
# MIRROR is a clone of FHIR/fhir-test-cases: a bare git directory (its HEAD is
# read) or a checkout. The cases are extracted to a temporary folder, never into
# this repository. Cases needing packages the folder does not ship, a
# terminology server (tx modules) or a logical model are listed as out of scope.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MIRROR="${1:?usage: fhir-unseen.sh MIRROR [SHARED-MANIFEST]}"
SHARED="${2:-$ROOT/../shared/conformance-cases/manifest.json}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ -f "$MIRROR/validator/manifest.json" ]; then
  DIR="$MIRROR/validator"
else
  # A mirror may lack its largest blobs, which git archive would stop at:
  # leave those files out.
  G=(git --git-dir "$MIRROR")
  "${G[@]}" ls-tree -r HEAD validator | awk '$2 == "blob" {print $3, $4}' >"$WORK/tree"
  EXCLUDE=()
  while read -r sha state; do
    if [ "$state" = missing ]; then EXCLUDE+=(":!$(awk -v s="$sha" '$1 == s {print $2; exit}' "$WORK/tree")"); fi
  done < <(cut -d' ' -f1 "$WORK/tree" | "${G[@]}" cat-file --batch-check='%(objectname) %(objecttype)')
  # (git archive still names blobs missing outside validator/ on stderr.)
  "${G[@]}" archive HEAD -- validator "${EXCLUDE[@]}" 2>/dev/null | tar -x -C "$WORK"
  DIR="$WORK/validator"
fi
# shellcheck disable=SC2086 # FLAGS is a list of flags
cd "$ROOT" && go run ./bench/fhir-unseen -case "${CASE:-}" ${FLAGS:-} "$DIR" "$SHARED"
