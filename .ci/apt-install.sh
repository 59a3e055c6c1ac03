#!/bin/sh
# Installs Debian packages that the tests need, after saying what it is about to
# change outside the project. The install-*.sh scripts call it only for what is
# missing, so on a machine that has the tools it is never run.
#
#   .ci/apt-install.sh "WHY" PACKAGE...
#
# It needs root, or sudo. CARECERT_NO_INSTALL=1 makes it fail instead, naming the
# packages, for machines where nothing may be installed.
set -eu

why="$1"
shift
say() { echo "carecert tests: $*" >&2; }

say "missing: $why"
if [ -n "${CARECERT_NO_INSTALL:-}" ]; then
	say "CARECERT_NO_INSTALL is set, so nothing is installed: install the Debian packages $* and run again"
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	say "installing needs root or sudo: install the Debian packages $* and run again"
	exit 1
fi
say "installing the Debian packages $* with apt-get${as_root:+ (through sudo)}."
say "This changes the system outside the project: apt's package lists and the packages' files under /usr (and whatever else their Debian install scripts set up)."
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
say "installed $*"
