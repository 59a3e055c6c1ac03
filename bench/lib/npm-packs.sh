# Fetching the public npm packages an unseen measure reads (sourced by
# bench/hl7v2-unseen.sh, bench/fhir-examples.sh and bench/ig-examples.sh).
# Nothing is installed or run from a package: `npm pack` writes each
# tarball into the measure's temporary folder, never into the repository.
# The caller sets PACKS (a folder of tarballs it was given, or empty) and
# WORK (its temporary folder) before calling.

# npm_measure is the measure's name, for its messages.
npm_measure() { basename "$0" .sh; }

# npm_fetch NAME@VERSION...: with PACKS empty, fetches each package with
# `npm pack` (300 s each) into $WORK/packs and sets PACKS to it. When npm
# cannot (offline, a version the registry lacks), it names the package and
# how to give the tarballs instead, and exits 2.
npm_fetch() {
  [ -n "$PACKS" ] && return 0
  PACKS="$WORK/packs"
  mkdir -p "$PACKS"
  local p
  for p in "$@"; do
    if ! (cd "$PACKS" && timeout 300 npm pack --loglevel=error "$p" >/dev/null 2>"$WORK/npm.err"); then
      echo "$(npm_measure): cannot fetch $p from the npm registry (offline?): $(grep -m1 . "$WORK/npm.err" || true)" >&2
      echo "$(npm_measure): give a folder holding $(npm_tarball_name "$p") instead: bash bench/$(npm_measure).sh PACKS" >&2
      exit 2
    fi
  done
}

# npm_tarball_name NAME@VERSION: the file npm pack writes for it
# (@scope/name@1.0 is scope-name-1.0.tgz).
npm_tarball_name() {
  local name="${1%@*}" version="${1##*@}"
  name="${name#@}"
  echo "${name//\//-}-$version.tgz"
}

# npm_tarball NAME@VERSION: the package's tarball in PACKS; when it is
# missing, names it and exits 2.
npm_tarball() {
  local f
  f="$PACKS/$(npm_tarball_name "$1")"
  if [ ! -f "$f" ]; then
    echo "$(npm_measure): $f is missing (want the tarball of $1, as npm pack names it)" >&2
    exit 2
  fi
  echo "$f"
}
