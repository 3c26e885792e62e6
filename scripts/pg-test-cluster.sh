#!/bin/sh
# pg-test-cluster.sh - a throw-away PostgreSQL cluster for the tests.
#
#   pg-test-cluster.sh start           initdb into a new temp folder, start the server on a
#                                      private socket folder (no TCP), print the folder on
#                                      stderr and the URL of its 'postgres' database on stdout
#   pg-test-cluster.sh stop DIR        stop the cluster in DIR and remove DIR
#   pg-test-cluster.sh run CMD [ARG]   start, run CMD with LITECRM_TEST_PG_URL set, stop;
#                                      exits with CMD's status
#
# PostgreSQL refuses to run as root: as root the cluster runs as the user
# 'postgres' (created by Debian's postgresql package) and the folder is
# theirs. The binaries come from `pg_config --bindir`, else PG_BINDIR.
set -eu

bindir=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && bindir=$d
	done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "pg-test-cluster: no PostgreSQL server binaries (install postgresql; see scripts/deps.sh)" >&2
	exit 1
fi

# as_owner runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start() {
	dir=$(mktemp -d "${TMPDIR:-/tmp}/litecrm-pg.XXXXXX")
	mkdir -p "$dir/data" "$dir/sock"
	[ "$(id -u)" -eq 0 ] && chown -R postgres "$dir"
	chmod 755 "$dir"
	if ! as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		exit 1
	fi
	# Speed over durability: the cluster lives for one test run.
	as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir/sock' -p 5432 \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		start >/dev/null || {
		cat "$dir/server.log" >&2
		rm -rf "$dir"
		exit 1
	}
	echo "$dir" >&2
	echo "postgresql:///postgres?host=$dir/sock&port=5432&user=postgres"
}

stop() {
	dir=$1
	case "$dir" in
	*/litecrm-pg.*) ;;
	*)
		echo "pg-test-cluster: '$dir' is not a test cluster" >&2
		exit 1
		;;
	esac
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

case "${1:-}" in
start)
	start
	;;
stop)
	[ $# -eq 2 ] || {
		echo "usage: pg-test-cluster.sh stop DIR" >&2
		exit 2
	}
	stop "$2"
	;;
run)
	shift
	[ $# -ge 1 ] || {
		echo "usage: pg-test-cluster.sh run CMD [ARG...]" >&2
		exit 2
	}
	errf=$(mktemp)
	url=$(start 2>"$errf") || {
		cat "$errf" >&2
		rm -f "$errf"
		exit 1
	}
	dir=$(tail -n 1 "$errf")
	rm -f "$errf"
	trap 'stop "$dir"' EXIT INT TERM
	echo "pg-test-cluster: PostgreSQL $("$bindir/postgres" -V | awk '{print $3}') at $url"
	status=0
	LITECRM_TEST_PG_URL=$url "$@" || status=$?
	exit $status
	;;
*)
	echo "usage: pg-test-cluster.sh start | stop DIR | run CMD [ARG...]" >&2
	exit 2
	;;
esac
