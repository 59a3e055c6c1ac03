#!/bin/sh
# Installs pdftotext (poppler-utils), with which the print spec of the HTML
# report reads back the PDF that Chromium prints. Called by test.sh.
set -eu
cd "$(dirname "$0")"

if command -v pdftotext >/dev/null 2>&1; then
	exit 0
fi
sh ./apt-install.sh "pdftotext, for the HTML report's print-to-PDF spec" poppler-utils
