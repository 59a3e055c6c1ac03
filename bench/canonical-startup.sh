#!/usr/bin/env bash
# Start-up of `carecert validate` on one small file whose one canonical is in
# HL7's space (a guide's, which the core never holds; a core kind's that names
# nothing), elsewhere, or absent: looking an HL7 canonical up among the
# definitions carecert holds must not make a small run dearer.
#
#   bash bench/canonical-startup.sh [ROUNDS]   (default 10)
#
# Prints, per case, the mean CPU seconds (user+sys) and mean peak RSS of whole
# processes, the cases run in alternation. Needs GNU time (/usr/bin/time).
set -euo pipefail
ROUNDS="${1:-10}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
go build -o "$WORK/carecert" ./cmd/carecert
cases=(none elsewhere hl7-guide hl7-core)
canonical=("" "http://example.org/fhir/PlanDefinition/falls" "http://hl7.org/fhir/us/core/PlanDefinition/falls" "http://hl7.org/fhir/PlanDefinition/nothing")
for i in "${!cases[@]}"; do
  mkdir "$WORK/${cases[$i]}"
  inst=""
  [ -n "${canonical[$i]}" ] && inst="\"instantiatesCanonical\": [\"${canonical[$i]}\"], "
  echo "{\"resourceType\": \"CarePlan\", \"id\": \"c\", ${inst}\"status\": \"active\", \"intent\": \"plan\", \"subject\": {\"reference\": \"Patient/p\"}}" >"$WORK/${cases[$i]}/c.json"
done
declare -A cpu rss
for _ in $(seq "$ROUNDS"); do
  for c in "${cases[@]}"; do
    /usr/bin/time -f "%U %S %M" -o "$WORK/t" "$WORK/carecert" validate "$WORK/$c" -q >/dev/null || [ $? -eq 1 ]
    read -r u s m < <(tail -1 "$WORK/t")
    cpu[$c]=$(echo "${cpu[$c]:-0} + $u + $s" | bc)
    rss[$c]=$((${rss[$c]:-0} + m))
  done
done
printf '%-10s %-8s %s\n' case cpu_s peak_rss_kib
for c in "${cases[@]}"; do
  printf '%-10s %-8s %d\n' "$c" "$(echo "scale=3; ${cpu[$c]} / $ROUNDS" | bc)" $((${rss[$c]} / ROUNDS))
done
