#!/bin/sh
# Installs the Debian packages litecrm needs to build, test and benchmark,
# when they are missing. As root it runs apt-get; otherwise it prints the
# exact command to run and fails.
set -eu

PKGS="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
libsodium-dev libcsv-dev libxlsxwriter-dev zlib1g-dev libpq-dev libcriterion-dev nodejs wrk curl
postgresql
npm chromium fonts-noto-cjk unzip valgrind clang python3"

missing=""
for p in $PKGS; do
	# nodejs may come from another repository; an installed node is enough.
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then
		continue
	fi
	# npm comes with some node builds; chromium drives the browser tests (web app).
	if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then
		continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "litecrm needs these Debian packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing
