#!/bin/sh
# Installs PostgreSQL from Debian's packages and starts a cluster on 127.0.0.1
# with a test database for carecert's history tests (history/). Idempotent:
# running it again starts the cluster if it is stopped and changes nothing else.
# Works as root in CI. The last line it prints is the DSN; export it as
# CARECERT_TEST_PG_DSN for `go test ./history/...`:
#
#   export CARECERT_TEST_PG_DSN="$(.ci/install-postgres.sh | tail -n 1)"
#
# --no-install only starts an installed server (what the history spec runs when
# CARECERT_TEST_PG_DSN is unset); it fails if PostgreSQL is not installed.
# Overrides: CARECERT_PG_PORT (default 5432).
set -eu

PORT="${CARECERT_PG_PORT:-5432}"
DB=carecert_test
ROLE=carecert
PASSWORD=carecert
INSTALL=1
[ "${1:-}" = "--no-install" ] && INSTALL=0

log() { echo "install-postgres: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	log "must run as root (it installs packages and starts the server as the postgres user)"
	exit 1
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bin)" ]; then
	if [ "$INSTALL" -eq 0 ]; then
		log "PostgreSQL is not installed: run .ci/install-postgres.sh (without --no-install)"
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y --no-install-recommends postgresql postgresql-contrib >&2
fi
BIN="$(pg_bin)"
VERSION="$(basename "$(dirname "$BIN")")"

# Debian's package creates the "main" cluster; create it if a minimal image
# skipped that, and make it listen on loopback only.
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
	pg_createcluster "$VERSION" main -p "$PORT" >&2
fi
CONF="/etc/postgresql/$VERSION/main/postgresql.conf"
if ! grep -q "^listen_addresses = '127.0.0.1'" "$CONF"; then
	echo "listen_addresses = '127.0.0.1'" >> "$CONF"
fi
if ! grep -q "^port = $PORT\$" "$CONF"; then
	echo "port = $PORT" >> "$CONF"
fi
HBA="/etc/postgresql/$VERSION/main/pg_hba.conf"
if ! grep -q "carecert test access" "$HBA"; then
	printf '# carecert test access\nhost %s %s 127.0.0.1/32 scram-sha-256\n' "$DB" "$ROLE" >> "$HBA"
fi

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" '$1==v && $2=="main" {print $4}')"
if [ "$STATUS" != "online" ]; then
	pg_ctlcluster "$VERSION" main start >&2
else
	pg_ctlcluster "$VERSION" main reload >&2
fi

# Wait for the server to accept connections.
i=0
until runuser -u postgres -- "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; do
	i=$((i + 1))
	if [ "$i" -ge 30 ]; then
		log "PostgreSQL did not start on 127.0.0.1:$PORT; see /var/log/postgresql/"
		exit 1
	fi
	sleep 1
done

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -p "$PORT" -d postgres "$@" 2>/dev/null || runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -p "$PORT" -d postgres "$@"; }

if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
	psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
	psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

log "PostgreSQL $VERSION running on 127.0.0.1:$PORT, database $DB"
echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB?sslmode=disable"
