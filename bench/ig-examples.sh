#!/usr/bin/env bash
# Precision of the FHIR checks on implementation guides' own examples, which
# nobody tuned carecert to: the example resources that published guides ship
# in their npm packages, validated against the guide's profiles. A guide's
# examples pass its publisher's validation nearly always (the package says
# how they fared: other/validation-summary.json), so an error carecert gives
# one is presumed false until judged against the profile and the FHIR
# specification (docs/ig-examples.md holds the judgements).
#
#   bash bench/ig-examples.sh [PACKS] [CARECERT]
#
# PACKS is a folder holding the packages' tarballs (as `npm pack` writes them:
# NAME-VERSION.tgz); without it the pinned versions below are fetched with
# `npm pack` into a temporary folder (needs the npm registry; offline it names
# the package it could not fetch and stops). Nothing is installed or run from
# a package. CARECERT defaults to a binary built from this checkout; give an
# older binary to measure before and after in one run. Needs jq (and npm
# without PACKS).
#
# For each guide it first loads the guide and the dependencies below alone
# (a package carecert cannot load is carecert's limit, printed as such, never
# an error in the examples), then validates the guide's examples (its
# package/example folder, and any other resource of the package whose
# meta.profile names one of the guide's own profiles) with the default suites
# and --ig for the guide and its dependencies, and prints: the resources,
# the error findings by rule (an invariant by its key), the resources with any
# error beside the publisher's own count, carecert's internal errors, and the
# information findings that say what carecert did not check. The examples stay
# in the temporary folder: they are not carecert's to copy.
set -euo pipefail

# The guides measured, and the packages their package.json files depend on
# as the npm registry holds them (each guide gets, with --ig, those of them it
# declares, by id). The registry holds one version of each dependency:
# hl7.terminology.r4 7.0.1 (the guides ask for 6.1.0 to 6.5.0),
# hl7.fhir.uv.extensions.r4 5.3.0-ballot-tc1 (they ask 5.1.0 or 5.2.0),
# hl7.fhir.uv.genomics-reporting 3.0.0 (mCODE asks 2.0.0); it does not hold
# hl7.fhir.uv.ipa 1.1.0 (IPS) nor hl7.fhir.us.core 6.1.0 (mCODE): what those
# would define carecert must say "not decided". hl7.fhir.r4.core is
# carecert's embedded core; hl7.fhir.r4.examples (SDC declares it) holds no
# profile of a guide and is left out.
GUIDES=(hl7.fhir.uv.ips@2.0.0 hl7.fhir.au.base@6.0.0 hl7.fhir.us.mcode@4.0.0 hl7.fhir.uv.sdc@4.0.0-ballot
  hl7.fhir.uv.genomics-reporting@3.0.0)
DEPENDENCIES=(hl7.terminology.r4@7.0.1 hl7.fhir.uv.extensions.r4@5.3.0-ballot-tc1)

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PACKS="${1:-}"
BIN="${2:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=bench/lib/npm-packs.sh
. "$ROOT/bench/lib/npm-packs.sh"
npm_fetch "${GUIDES[@]}" "${DEPENDENCIES[@]}"

if [ -z "$BIN" ]; then
  (cd "$ROOT" && go build -o "$WORK/carecert" ./cmd/carecert)
  BIN="$WORK/carecert"
fi

# guide_deps GUIDE_DIR: --ig for each package measured here that the guide's
# package.json declares: the shared HL7 packages (DEPENDENCIES) at the one
# version the registry holds, as carecert substitutes a given version for
# the one asked and says so; another guide only at the version asked. mCODE
# asks genomics reporting 2.0.0: 3.0.0 changed the profiles mCODE's examples
# claim (diagnostic-implication wants two categories, tbd-codes-cs dropped
# predicted-therapeutic-implication: 42 errors of version drift when it was
# given), so it is left out and what it defines is "not decided".
guide_deps() {
  local d id
  for d in "${DEPENDENCIES[@]}"; do
    id="${d%@*}"
    if jq -e --arg id "$id" '.dependencies | has($id)' "$1/package/package.json" >/dev/null; then
      printf -- '--ig\n%s\n' "$(npm_tarball "$d")"
    fi
  done
  for d in "${GUIDES[@]}"; do
    if jq -e --arg id "${d%@*}" --arg v "${d##*@}" '.dependencies[$id] == $v' "$1/package/package.json" >/dev/null; then
      printf -- '--ig\n%s\n' "$(npm_tarball "$d")"
    fi
  done
}

# Each package alone, on a resource no profile of it constrains: what it
# cannot read is carecert's limit.
echo '{"resourceType":"Basic","id":"load","code":{"text":"load"}}' >"$WORK/load.json"
echo "packages, each loaded alone (carecert's own limits, not the examples'):"
for p in "${GUIDES[@]}" "${DEPENDENCIES[@]}"; do
  status=0
  "$BIN" validate -q --format json --ig "$(npm_tarball "$p")" "$WORK/load.json" >"$WORK/load.out" 2>"$WORK/load.err" || status=$?
  if [ "$status" -gt 1 ]; then
    printf '  %-45s CANNOT LOAD (exit %s): %s\n' "$p" "$status" "$(head -c 300 "$WORK/load.err")"
    continue
  fi
  printf '  %-45s loaded; %s finding(s) about the package itself\n' "$p" \
    "$(jq '[.targets[0].results[].findings[]?] | length' "$WORK/load.out")"
  jq -r '.targets[0].results[].findings[]? | "    \(.severity) \(.message | .[0:200])"' "$WORK/load.out"
done

for g in "${GUIDES[@]}"; do
  pkg="$WORK/unpacked/$g"
  mkdir -p "$pkg" "$WORK/examples/$g"
  tar -xzf "$(npm_tarball "$g")" -C "$pkg"
  # The guide's canonical base: its profiles' URLs start with it.
  base="$(jq -r 'select(.resourceType == "ImplementationGuide") | .url | sub("/ImplementationGuide/.*"; "/")' \
    "$pkg"/package/ImplementationGuide-*.json | head -1)"
  for f in "$pkg"/package/example/*.json; do
    [ -e "$f" ] && cp "$f" "$WORK/examples/$g/"
  done
  for f in "$pkg"/package/*.json; do
    [ "$(basename "$f")" = package.json ] && continue
    if jq -e --arg base "$base" '[.meta.profile[]? | startswith($base)] | any' "$f" >/dev/null 2>&1; then
      cp "$f" "$WORK/examples/$g/"
    fi
  done

  mapfile -t deps < <(guide_deps "$pkg")
  status=0
  "$BIN" validate -q --evidence full --format json --ig "$(npm_tarball "$g")" "${deps[@]}" "$WORK/examples/$g" \
    >"$WORK/$g.json" 2>"$WORK/$g.err" || status=$?
  echo
  echo "== $g (declares: $(jq -r '.dependencies | to_entries | map("\(.key)#\(.value)") | join(", ")' "$pkg/package/package.json"))"
  echo "   given with --ig beside it: $(for d in "${deps[@]}"; do [ "$d" = --ig ] || printf '%s ' "$(basename "$d" .tgz)"; done)"
  if [ "$status" -gt 1 ]; then
    echo "  CARECERT COULD NOT RUN (exit $status), a limit of carecert's: $(head -c 400 "$WORK/$g.err")"
    continue
  fi
  publisher="$pkg/package/other/validation-summary.json"
  pub="not in the package"
  if [ -f "$publisher" ]; then
    pub="$(jq -r --argjson names "$(ls "$WORK/examples/$g" | jq -R 'sub("\\.json$"; "") | sub("-"; "/")' | jq -s .)" \
      '[to_entries[] | select(.key as $k | $names | index($k)) | select(.value.errors > 0)] | length' "$publisher")"
  fi
  jq -r --arg pub "$pub" --arg files "$(ls "$WORK/examples/$g" | wc -l)" '
    .targets[0] as $t
    | [$t.results[].findings[]?] as $all
    | [$all[] | select(.severity == "error")] as $errors
    | "example files: \($files); records read (a Bundle gives one per entry too): \($t.records)",
      "error findings: \($errors | length); resources with any error: \([$errors[] | .record] | unique | length) (files: \([$errors[] | .file] | unique | length); the publisher counted \($pub) example(s) with an error)",
      "internal errors (carecert failed, not the data): \([$errors[] | select(.code == "carecert.internal-error")] | length)",
      "of the errors, example URLs (the publisher allows them, the reference validator by default does not): \([$errors[] | select(.code == "profile.example-url")] | length)",
      "",
      "error findings by rule:",
      ([$errors[] | "\(.requirement) \(.code)\(if .code == "profile.invariant" then " " + (.message | capture("constraint (?<k>[^ ]+)").k) else "" end)"]
        | group_by(.) | map("  \(length)\t\(.[0])") | sort_by(-(split("\t")[0] | ltrimstr("  ") | tonumber)) | .[]),
      "",
      "resources with an error:",
      ([$errors[] | .record] | group_by(.) | map("  \(length)\t\(.[0])") | .[]),
      "",
      "warnings by rule:",
      ([$all[] | select(.severity == "warning") | "\(.requirement) \(.code)"] | group_by(.) | map("  \(length)\t\(.[0])") | .[]),
      "",
      "information (what carecert did not check, and notes), by rule:",
      ([$all[] | select(.severity == "information") | "\(.requirement) \(.code)"] | group_by(.) | map("  \(length)\t\(.[0])") | .[])
  ' "$WORK/$g.json"
done
