#!/usr/bin/env bash
# Bounded native Go fuzzing, run by .ci/run after the tests: each target
# explores for FUZZ_SECONDS (default 5) beyond its seed corpus (the seeds and
# testdata/fuzz/ already run under plain `go test`). Each package's
# testdata/fuzz/<Target>/ holds the attack inputs of issue 20 for that parser,
# one file each, named after the attack (a number beyond float64, an alias
# bomb, repeat($this & $this), 2,000 segments ...). A crasher is written to
# the package's testdata/fuzz/<Target>/ and fails CI; commit it with the fix.
# The whole script stops building new targets' binaries after FUZZ_BUDGET
# seconds (default 170), so it stays within about three minutes even on a slow
# machine; the targets of a binary already built always run, so at least one
# target is always explored.
# FuzzFastDecode, FuzzLexical and FuzzQuickWalk are differential: each holds a
# hand-written fast path to the library or regular expression it replaces;
# FuzzDecodeBundle holds an XML Bundle read one entry at a time to the
# whole document's reading.
#
# Building a package's instrumented test binary costs far more than fuzzing
# it for five seconds (tens of seconds on a loaded machine: every package it
# imports is compiled again with coverage instrumentation, then linked), and
# `go test -fuzz` builds one per target. So each package's binary is built
# once, with the instrumentation `go test -fuzz` uses (`go test -c -fuzz`,
# without symbol tables, which fuzzing does not read), and each of its
# targets runs that binary in the package's folder with the fuzz cache
# `go test` would use: 13 builds for 17 targets.
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
  "./fhir/fhirxml FuzzDecodeBundle"
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
  "./cmd/carecert FuzzValidatePath" # last: its binary instruments nearly every package
)

# The packages in order, each with its targets as one pattern.
packages=()
declare -A pattern
for t in "${targets[@]}"; do
  set -- $t
  if [ -z "${pattern[$1]:-}" ]; then
    packages+=("$1")
    pattern[$1]="$2"
  else
    pattern[$1]="${pattern[$1]}|$2"
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

module=$(go list -m)
cache="$(go env GOCACHE)/fuzz"
ran=0
for i in "${!packages[@]}"; do
  pkg="${packages[$i]}"
  IFS='|' read -r -a names <<< "${pattern[$pkg]}"
  if (( $(date +%s) - start >= budget )); then
    for name in "${names[@]}"; do echo "fuzz: budget of ${budget}s spent; not started: $name in $pkg"; done
    continue
  fi
  if ! go test -c -fuzz "^(${pattern[$pkg]})\$" -ldflags='-s -w' -o "$work/$i.test" "$pkg"; then
    echo "fuzz: building the fuzzing binary of $pkg failed" >&2
    exit 1
  fi
  # A binary built is always used: its targets run even when the build itself
  # took the budget (on a loaded machine one build can), so the fuzzing stage
  # never ends having explored nothing (at most two targets share a binary,
  # so this adds at most two runs beyond the budget).
  for name in "${names[@]}"; do
    echo "fuzz: $name in $pkg for ${seconds}s"
    saved="$pkg/testdata/fuzz/$name"
    before=$( (find "$saved" -type f 2>/dev/null || true) | wc -l)
    # As go test runs it: in the package's folder (seeds and crashers live in
    # its testdata), with the fuzz cache under GOCACHE.
    if ! (cd "$pkg" && "$work/$i.test" -test.run '^$' -test.fuzz "^$name\$" -test.fuzztime "${seconds}s" \
      -test.parallel 2 -test.timeout 10m -test.paniconexit0 -test.fuzzcachedir "$cache/$module/${pkg#./}"); then
      # A real failure always saves its input. Go's fuzzer can also end a run
      # with "context deadline exceeded" when a worker is slow at the deadline,
      # saving nothing: that is the fuzzer's own timing, not a finding.
      if (( $( (find "$saved" -type f 2>/dev/null || true) | wc -l) > before )); then
        echo "fuzz: $name found a failing input, saved in $saved: commit it with the fix" >&2
        exit 1
      fi
      echo "fuzz: $name in $pkg stopped without a failing input (the fuzzer's own deadline); not a finding"
    fi
    ran=$((ran + 1))
  done
done
echo "fuzz: ${ran} of ${#targets[@]} target(s) run in $(( $(date +%s) - start ))s"
