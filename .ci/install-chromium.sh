#!/bin/sh
# Installs headless Chromium for the HTML report's browser and print specs
# (reports/html), unless a Chromium is already there: $CARECERT_CHROMIUM, or
# chromium on PATH. Called by test.sh with every other .ci/install-*.sh.
set -eu
cd "$(dirname "$0")"

if [ -n "${CARECERT_CHROMIUM:-}" ] && [ -x "$CARECERT_CHROMIUM" ]; then
	exit 0
fi
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
sh ./apt-install.sh "Chromium, for the HTML report's browser and print-to-PDF specs" chromium fonts-dejavu-core
