#!/bin/sh
# bootstrap.sh - install the Debian packages vigil needs to build, test and
# run its demo, when they are missing.  Idempotent and quiet when all is
# present.  Needs root (or sudo) only when something must be installed.
set -eu

# Build, libraries (see DESIGN.md "Dependencies"), test and demo tools.
PACKAGES="
build-essential pkg-config meson ninja-build
libsqlite3-dev sqlite3 libxml2-dev libxml2-utils libjansson-dev
libmicrohttpd-dev libsodium-dev libpq-dev libxxhash-dev libcmocka-dev
clang-14 libclang-rt-14-dev valgrind curl python3 wrk hyperfine
postgresql
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "bootstrap: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	SUDO="sudo -n"
else
	echo "bootstrap: these Debian packages are missing:$missing" >&2
	echo "bootstrap: run as root (or install them): apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "bootstrap: done" >&2
