#!/bin/sh
# The tests, from a fresh clone: ./test.sh [go test flags and packages]
#
# 1. Runs every .ci/install-*.sh. Each installs a tool the tests need (Chromium,
#    pdftotext, the PostgreSQL programs, ...) only if it is missing, and says
#    what it will change outside the project before it does.
# 2. Starts a throw-away PostgreSQL server in a temporary folder and passes its
#    DSN to the tests in CARECERT_TEST_PG_DSN (unless that is already set).
# 3. Runs go test (./... unless packages are given), then stops the server and
#    removes its folder.
#
# CI runs exactly this (.ci/run). Specs never skip a missing tool: they fail.
set -eu
cd "$(dirname "$0")"

for script in .ci/install-*.sh; do
	sh "$script"
done

if [ -z "${CARECERT_TEST_PG_DSN:-}" ]; then
	pgdir="$(mktemp -d "${TMPDIR:-/tmp}/carecert-pg.XXXXXX")"
	trap 'sh .ci/postgres-server.sh stop "$pgdir"' EXIT
	trap 'exit 130' INT TERM
	CARECERT_TEST_PG_DSN="$(sh .ci/postgres-server.sh start "$pgdir" | tail -n 1)"
	export CARECERT_TEST_PG_DSN
fi

if [ "$#" -eq 0 ]; then
	set -- ./...
fi
go test "$@"
