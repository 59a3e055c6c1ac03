# Keeping the message files an unseen HL7 v2 measure reads (sourced by
# bench/hl7v2-unseen.sh and bench/hl7v2-hapi.sh). The caller sets WORK (its
# temporary folder, with a messages folder), declares `declare -A seen` and
# sets files=0 dups=0 before the first call.

# v2_keep FILE NAME: copies FILE to $WORK/messages/NAME.hl7 and counts it in
# files, unless a file whose bytes agree once line ends are made CR was kept
# already: then it counts it in dups.
v2_keep() {
  local key
  key="$(tr '\n' '\r' <"$1" | sed 's/\r\r/\r/g' | md5sum | cut -c1-16)"
  if [ -n "${seen[$key]:-}" ]; then
    dups=$((dups + 1))
    return 0
  fi
  seen[$key]="$2"
  cp "$1" "$WORK/messages/$2.hl7"
  files=$((files + 1))
}
