#!/usr/bin/env bash
# Bounded native Go fuzzing, run by .ci/run after the tests: each target
# explores for FUZZ_SECONDS (default 5) beyond its seed corpus (the seeds and
# testdata/fuzz/ already run under plain `go test`). Each package's
# testdata/fuzz/<Target>/ holds the attack inputs of issue 20 for that parser,
# one file each, named after the attack (a number beyond float64, an alias
# bomb, repeat($this & $this), 2,000 segments ...). A crasher is written to
# the package's testdata/fuzz/<Target>/ and fails CI; commit it with the fix.
# The whole script stops starting new targets after FUZZ_BUDGET seconds
# (default 170), so it stays within three minutes even on a slow machine.
# FuzzFastDecode, FuzzLexical and FuzzQuickWalk are differential: each holds a
# hand-written fast path to the library or regular expression it replaces.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-5}"
budget="${FUZZ_BUDGET:-170}"
start=$(date +%s)

# package target
targets=(
  "./fhir FuzzReadStream"
  "./fhir FuzzFastDecode"
  "./fhir/fhirxml FuzzDecode"
  "./fhir/fhirxml FuzzEncode"
  "./cmd/carecert FuzzValidatePath"
  "./hl7v2 FuzzScanner"
  "./hl7v2 FuzzRange"
  "./validators/hl7v2 FuzzValidate"
  "./tabular FuzzRead"
  "./fhirpath FuzzCompileEvaluate"
  "./terminology/ucum FuzzParse"
  "./suites FuzzParse"
  "./runner FuzzLoadPlan"
  "./fhir/definitions FuzzGuide"
  "./fhir/lexical FuzzLexical"
  "./validators/structure FuzzQuickWalk"
)

ran=0
for t in "${targets[@]}"; do
  set -- $t
  if (( $(date +%s) - start >= budget )); then
    echo "fuzz: budget of ${budget}s spent; not started: $2 in $1"
    continue
  fi
  echo "fuzz: $2 in $1 for ${seconds}s"
  saved="$1/testdata/fuzz/$2"
  before=$( (find "$saved" -type f 2>/dev/null || true) | wc -l)
  if ! go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "${seconds}s" -parallel 2; then
    # A real failure always saves its input. Go's fuzzer can also end a run
    # with "context deadline exceeded" when a worker is slow at the deadline,
    # saving nothing: that is the fuzzer's own timing, not a finding.
    if (( $( (find "$saved" -type f 2>/dev/null || true) | wc -l) > before )); then
      echo "fuzz: $2 found a failing input, saved in $saved: commit it with the fix" >&2
      exit 1
    fi
    echo "fuzz: $2 in $1 stopped without a failing input (the fuzzer's own deadline); not a finding"
  fi
  ran=$((ran + 1))
done
echo "fuzz: ${ran} of ${#targets[@]} target(s) run in $(( $(date +%s) - start ))s"
