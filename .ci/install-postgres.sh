#!/bin/sh
# Installs the PostgreSQL server programs (initdb, pg_ctl, postgres) for the
# history store's PostgreSQL specs, unless they are already there. It starts
# nothing and configures nothing: test.sh then runs a throw-away server in a
# temporary folder with .ci/postgres-server.sh.
#
# Debian's package creates its own default cluster when it is installed (under
# /etc/postgresql and /var/lib/postgresql); the tests never use it.
set -eu
cd "$(dirname "$0")"

if sh ./postgres-server.sh bin >/dev/null 2>&1; then
	exit 0
fi
sh ./apt-install.sh "the PostgreSQL server programs (initdb, pg_ctl), for the history store's PostgreSQL specs" postgresql
