#!/usr/bin/env bash
# Precision of the HL7 v2 checks on the test messages of hapi-hl7v2, the
# reference HL7 v2 library (Java): an unseen measure, as bench/hl7v2-unseen.sh
# is for npm packages. Many of these messages are meant to be broken (a
# parser's tests feed it bad input): docs/hl7v2.md ("hapi-hl7v2's test
# messages") says, family by family, which errors are the messages' own.
#
#   bash bench/hl7v2-hapi.sh [MIRROR] [CARECERT]
#
# MIRROR is a git directory of hapi-hl7v2 (bare or not; its HEAD is read;
# default /work/.mirror/hapifhir+hapi-hl7v2/repo). Its messages are taken at
# run time into a temporary folder, never into this repository: every file
# under a module's src/test (test resources and test sources) is read; one
# that is not Java and holds a line opening a message (MSH, FHS or BHS and a
# field separator) is a message file, and every message a Java test writes
# as a string literal (or literals joined by "+") is one file
# (bench/hl7-literals.js reads the Java as text: nothing is compiled or run).
# Left out, and counted: literals a test completes at run time (joined to a
# variable or a call) and literals holding one segment only; XML-encoded
# messages (carecert reads ER7). Files whose bytes agree once line ends are
# made CR are read once (hapi-osgi-test repeats hapi-test's resources).
# CARECERT defaults to a binary built from this checkout; give an older
# binary to measure before and after.
#
# It runs carecert's default HL7 v2 suites (hl7v2-structure and
# hl7v2-terminology: no --suite) and prints the files and messages read,
# findings by requirement and severity and by code and severity, whether
# each message in its own MLLP frame reads the same, then a listing: every
# error and warning by file, code and path. KEEP=1 keeps the temporary folder
# (named on stderr) to read the report; remove it after. Needs git, node, jq.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MIRROR="${1:-/work/.mirror/hapifhir+hapi-hl7v2/repo}"
BIN="${2:-}"
WORK="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"' EXIT

if ! git --git-dir="$MIRROR" rev-parse -q --verify HEAD >/dev/null 2>&1 &&
  ! git -C "$MIRROR" rev-parse -q --verify HEAD >/dev/null 2>&1; then
  echo "hl7v2-hapi: $MIRROR is not a git directory of hapi-hl7v2 (give one: bash bench/hl7v2-hapi.sh MIRROR)" >&2
  exit 2
fi
# shellcheck source=bench/lib/hl7v2-files.sh
. "$ROOT/bench/lib/hl7v2-files.sh"
git_() { git --git-dir="$MIRROR" "$@" 2>/dev/null || git -C "$MIRROR" "$@"; }
commit="$(git_ rev-parse HEAD)"

mkdir -p "$WORK/src" "$WORK/literals" "$WORK/messages" "$WORK/framed"
git_ archive --format=tar HEAD | tar -x -C "$WORK/src" --wildcards '*/src/test/*'

opens='^(MSH|FHS|BHS)[^A-Za-z0-9[:space:]]'
: >"$WORK/left-out"
java=0
while IFS= read -r f; do
  rel="${f#"$WORK/src/"}"
  name="${rel//\/src\/test\/java\/ca\/uhn\/hl7v2\//__}"
  name="${name//\//_}"
  java=$((java + 1))
  node "$ROOT/bench/hl7-literals.js" "$f" "$WORK/literals" "${name%.java}" "$WORK/left-out"
done < <(find "$WORK/src" -type f -name '*.java' | sort)

declare -A seen
files=0 dups=0 xml=0
while IFS= read -r f; do
  case "$f" in
  *.java) continue ;;
  *.xml)
    grep -q '<MSH' "$f" && xml=$((xml + 1))
    continue
    ;;
  esac
  tr '\r' '\n' <"$f" | grep -aqE "$opens" || continue
  rel="${f#"$WORK/src/"}"
  rel="${rel#"$WORK/literals/"}"
  out="${rel//\/src\/test\/resources\/ca\/uhn\/hl7v2\//__}"
  out="${out//\//_}"
  v2_keep "$f" "${out%.*}"
done < <({ find "$WORK/src" -type f | sort; find "$WORK/literals" -type f | sort; })

# Each message in its own MLLP frame, as a capture from a connection holds
# them: the same records and findings but the framing's own warning.
for f in "$WORK"/messages/*.hl7; do
  perl -0777 -pe 's/(?:^|(?<=[\r\n]))(?=(?:MSH|FHS|BHS)[^A-Za-z0-9\s])/\x1c\r\x0b/g; s/^\x1c\r//; $_ .= "\x1c\r"; $_ = "\x0b$_" unless /^\x0b/' \
    "$f" >"$WORK/framed/$(basename "$f")"
done

if [ -z "$BIN" ]; then
  (cd "$ROOT" && go build -o "$WORK/carecert" ./cmd/carecert)
  BIN="$WORK/carecert"
fi
"$BIN" validate -q --evidence full --format json "$WORK/messages" >"$WORK/report.json" || true
"$BIN" validate -q --evidence full --format json "$WORK/framed" >"$WORK/framed.json" || true

echo "hapi-hl7v2 at $commit"
echo "message files: $files ($(ls "$WORK/literals" | wc -l) message(s) from string literals in $java Java test file(s); $dups duplicate file(s) read once)"
printf 'left out: %s literal(s) built at run time, %s holding one segment, %s XML file(s) holding a message\n' \
  "$(grep -c '^built at run time' "$WORK/left-out" || true)" "$(grep -c '^one segment' "$WORK/left-out" || true)" "$xml"
jq -r '
  .targets[0] as $t
  | [$t.results[].findings[]?] as $all
  | "records read: \($t.records)",
    "",
    "by requirement (suite, requirement: errors, warnings):",
    ($t.results[] | select(.suite | startswith("hl7v2"))
      | "  \(.suite)\t\(.requirement)\terrors \(.errors)\twarnings \(.warnings // 0)"),
    "all\terrors \([$all[] | select(.severity == "error")] | length)\twarnings \([$all[] | select(.severity == "warning")] | length)\tinformation \([$all[] | select(.severity == "information")] | length)",
    "",
    "findings by code and severity:",
    ($all | group_by([.severity, .code]) | map("  \(length)\t\(.[0].severity)\t\(.[0].code)") | .[])
' "$WORK/report.json"

findings() {
  jq -r '.targets[0].results[].findings[]? | select(.code != "parse.mllp-framing")
    | "\(.file | split("/") | last)\t\(.code)\t\(.path)\t\(.severity)"' "$1" | sort
}
printf '\nin an MLLP frame each: records %s (as shipped %s), findings that differ %s\n' \
  "$(jq '.targets[0].records' "$WORK/framed.json")" "$(jq '.targets[0].records' "$WORK/report.json")" \
  "$(diff <(findings "$WORK/report.json") <(findings "$WORK/framed.json") | grep -c '^[<>]' || true)"

echo
echo "listing (errors and warnings: file, severity, code, path, message):"
jq -r '[.targets[0].results[].findings[]? | select(.severity == "error" or .severity == "warning")]
  | sort_by(.file, .severity, .code, .path)
  | .[] | "  \(.file | split("/") | last)\t\(.severity)\t\(.code)\t\(.path)\t\(.message | gsub("[\r\n\t]"; " ") | .[0:160])"' "$WORK/report.json"
