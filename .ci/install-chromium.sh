#!/bin/sh
# Installs headless Chromium (and chromedriver) for the HTML report's browser
# test (reports/html). Idempotent; run as root in CI, before `go test ./...`.
# The test looks for /usr/bin/chromium, or $CARECERT_CHROMIUM.
set -eu

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
	echo "install-chromium: $(chromium --version 2>/dev/null || echo chromium) already installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-chromium: needs root to install the Debian packages chromium and chromium-driver" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium chromium-driver fonts-dejavu-core
echo "install-chromium: $(chromium --version 2>/dev/null || echo chromium) installed at $(command -v chromium)"
