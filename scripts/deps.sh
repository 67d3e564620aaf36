#!/bin/sh
# The one list of Debian packages accelnet needs to build, test and run.
# Usage: scripts/deps.sh          install what is missing (as root), or print
#                                 the exact command to run (as anyone else)
#        scripts/deps.sh --list   print the list
set -eu

PACKAGES="
build-essential
pkg-config
libmicrohttpd-dev
libjansson-dev
libpq-dev
libcurl4-openssl-dev
libsodium-dev
libcmocka-dev
postgresql
openssl
clang-format
nodejs
npm
"

if [ "${1:-}" = "--list" ]; then
	echo $PACKAGES
	exit 0
fi

missing=""
for p in $PACKAGES; do
	# A package counts as present only when dpkg says it is fully installed.
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*)
		# nodejs/npm may come from outside Debian (e.g. a preinstalled Node.js):
		# the commands are what matters for them.
		case "$p" in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		esac
		missing="$missing $p"
		;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
