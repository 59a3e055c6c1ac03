#!/bin/sh
# Installs an independent HL7 v2 MLLP implementation from npm, node-hl7-server
# 2.5.0 and node-hl7-client 4.0.0 (MIT), into .tools/hl7-peer (gitignored),
# for the spec that exchanges original- and enhanced-mode acknowledgements
# with it over 127.0.0.1 (runner/target/mllptarget/mllp_peer_test.go). Node and npm come
# from Debian when missing. Called by test.sh with every other .ci/install-*.sh.
set -eu
cd "$(dirname "$0")/.."

dir=.tools/hl7-peer
if [ -f "$dir/node_modules/node-hl7-server/package.json" ] && [ -f "$dir/node_modules/node-hl7-client/package.json" ] &&
	command -v node >/dev/null 2>&1; then
	exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	sh .ci/apt-install.sh "node and npm, for the MLLP spec against an independent implementation" nodejs npm
fi
echo "carecert tests: installing node-hl7-server 2.5.0 and node-hl7-client 4.0.0 from npm into $dir (inside the project)" >&2
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"carecert-hl7-peer","private":true}' >package.json
npm install --no-audit --no-fund --loglevel=error node-hl7-server@2.5.0 node-hl7-client@4.0.0
