#!/bin/sh
# A throw-away PostgreSQL server for the tests, in a folder of its own, on
# 127.0.0.1 and a free port, with a random password. It touches no system
# configuration and no other cluster.
#
#   .ci/postgres-server.sh start DIR   creates DIR, starts the server there and
#                                      prints its DSN (last line of stdout)
#   .ci/postgres-server.sh stop DIR    stops the server and removes DIR
#   .ci/postgres-server.sh bin         prints the folder of initdb and pg_ctl
#
# PostgreSQL refuses to run as root, so as root the server runs as the user
# "nobody", who then owns DIR.
set -eu

say() { echo "postgres-server: $*" >&2; }

# bin_dir finds initdb: on PATH, or in Debian's versioned folders, newest first.
bin_dir() {
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v initdb)")"
		return 0
	fi
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
	[ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
	return 1
}

# as_owner runs a command as the server's owner: ourselves, or nobody as root.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

cmd="${1:-}"
case "$cmd" in
bin)
	bin_dir || { say "no PostgreSQL server programs (initdb, pg_ctl) on PATH or under /usr/lib/postgresql"; exit 1; }
	;;
start)
	dir="${2:?usage: postgres-server.sh start DIR}"
	bin="$(bin_dir)" || { say "no PostgreSQL server programs (initdb, pg_ctl): run .ci/install-postgres.sh, or ./test.sh"; exit 1; }
	mkdir -p "$dir"
	if [ -n "$(ls -A "$dir")" ]; then
		say "$dir is not empty"
		exit 1
	fi
	chmod 700 "$dir"
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$dir"
	password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s\n' "$password" > "$dir/pwfile"
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$dir/pwfile"
	chmod 600 "$dir/pwfile"
	as_owner "$bin/initdb" -D "$dir/data" -U carecert --pwfile="$dir/pwfile" \
		--auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
		say "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
	rm -f "$dir/pwfile"
	# A port picked at random, tried again if another server has it.
	tries=0
	while :; do
		port=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 + 30000 ))
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-h 127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ]; then
			say "the server did not start; its log:"; cat "$dir/server.log" >&2; exit 1
		fi
	done
	PGPASSWORD="$password" "$bin/createdb" -h 127.0.0.1 -p "$port" -U carecert carecert_test
	say "PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') started on 127.0.0.1:$port in $dir"
	echo "postgres://carecert:$password@127.0.0.1:$port/carecert_test?sslmode=disable"
	;;
stop)
	dir="${2:?usage: postgres-server.sh stop DIR}"
	if [ -f "$dir/data/postmaster.pid" ]; then
		bin="$(bin_dir)"
		as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || say "could not stop the server in $dir"
	fi
	rm -rf "$dir"
	;;
*)
	say "usage: postgres-server.sh start DIR | stop DIR | bin"
	exit 2
	;;
esac
