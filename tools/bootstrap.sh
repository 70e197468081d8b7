#!/bin/sh
# Set up a fresh clone: install the Debian packages the build and the tests
# need (as root; otherwise print the one apt-get line and stop), then run
# autoreconf and configure with the arguments given.
set -eu

PKGS="autoconf automake make gcc pkg-config libevent-dev libyajl-dev
libmaxminddb-dev libinih-dev libssl-dev check python3 mandoc mmdb-bin
util-linux bsdextrautils bsdutils openssl rsyslog rsyslog-openssl
libsystemd-dev systemd"

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "signetd: missing Debian packages; as root, run:" >&2
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "signetd: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi

autoreconf -fi
./configure "$@"
