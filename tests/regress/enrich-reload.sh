#!/bin/sh
# enrich-reload: a live daemon whose allow list file changes under it.
#  1. a bad signature fact, then a connection the list allows: no alert;
#  2. the list is rewritten and SIGHUP sent: the daemon says so;
#  3. the same connection again: now an alert (with GeoIP data), joined
#     with the fact sent before the reload, so the rules kept their state;
#  4. a list with a bad line and SIGHUP: the error is logged as
#     file:line, and the list in use stays (a connection it allows gives
#     no alert);
#  5. the counters (SIGUSR1) show both reloads and the entries' hits; a
#     SIGTERM stops the daemon with exit 0.
#
# Environment: SIGNETD (the daemon), TOP (source tree), PYTHON3.

: "${PYTHON3:=python3}"
if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "enrich-reload: SIGNETD unset or not executable: skipped"
	exit 77
fi
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/enrich-reload.XXXXXX") || exit 99
pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		sleep 1
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
fail=0

bad()
{
	echo "FAIL enrich-reload: $*"
	fail=1
}

# A TCP port on 127.0.0.1 that is free now.
port=$("$PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || exit 99

# send LINE...: one TCP connection, one message per line.
send()
{
	"$PYTHON3" - "$port" "$@" <<'EOF' || bad "cannot send to port $port"
import socket
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall("".join(a + "\n" for a in sys.argv[2:]).encode())
s.close()
EOF
}

# wait_for FILE STRING [SIGNAL]: until FILE holds STRING, at most 10 s;
# SIGNAL, if given, is sent to the daemon before each look.
wait_for()
{
	n=0
	while [ "$n" -lt 100 ]; do
		[ -n "${3:-}" ] && kill "-$3" "$pid" 2>/dev/null
		grep -Fq -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	bad "no \"$2\" in $1 after 10 s"
	tail -n 20 "$1" | sed 's/^/  | /'
	return 1
}

cert='{"category":"AdvancedHunting-DeviceFileCertificateInfo","properties":{"Timestamp":"2024-03-01T10:00:00Z","DeviceId":"ws01","DeviceName":"WS01","SHA1":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","IsSigned":false,"IsTrusted":false,"Signer":""}}'
# net MINUTE URL: a connection of the unsigned file to 81.2.69.142.
net()
{
	printf '{"category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2024-03-01T10:%02d:00Z","DeviceId":"ws01","DeviceName":"WS01","ActionType":"ConnectionSuccess","InitiatingProcessId":4242,"InitiatingProcessSHA1":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","InitiatingProcessFolderPath":"c:\\\\temp\\\\a.exe","RemoteIP":"81.2.69.142","RemotePort":443,"RemoteUrl":"%s","Protocol":"Tcp"}}' \
	    "$1" "$2"
}

echo "remote 81.2.69.142" > "$tmp/allow.list"
cat > "$tmp/conf" <<EOF
[signetd]
allow_root = yes

[listen tcp]
proto = tcp
address = 127.0.0.1
port = $port

[rule netjoin]
suppress = 0

[allow netjoin]
file = $tmp/allow.list

[geoip]
city = $TOP/tests/data/mmdb/GeoIP2-City-Test.mmdb

[output alerts]
type = file
format = json
path = $tmp/alerts.json
EOF

"$SIGNETD" -c "$tmp/conf" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/err" "listening: tcp" || exit 1

# 1. The fact, then an allowed connection.
send "$cert" "$(net 1 "")"
wait_for "$tmp/err" "signetd: allow netjoin: suppressed remote 1" USR1 ||
    exit 1
[ -s "$tmp/alerts.json" ] && bad "an alert before the reload"

# 2. A new list, and SIGHUP.
printf '# the mirror\ndomain example.org\n' > "$tmp/allow.list"
kill -HUP "$pid"
wait_for "$tmp/err" "reload: $tmp/conf: new configuration in force" ||
    exit 1

# 3. The same connection: an alert, from the fact sent before.
send "$(net 2 "")"
wait_for "$tmp/alerts.json" '"remote_ip":"81.2.69.142"' || exit 1
grep -Fq '"geo":{"country_iso":"GB","country":"United Kingdom","city":"London"}' \
    "$tmp/alerts.json" || bad "the alert has no GeoIP data"
grep -Fq '"key":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","count":1' \
    "$tmp/alerts.json" || bad "the alert is not the join with the fact"

# 4. A bad list: logged with its line, the one in use stays.
printf 'domain example.org\nremote nonsense\n' > "$tmp/allow.list"
kill -HUP "$pid"
wait_for "$tmp/err" "$tmp/allow.list:2: remote: 'nonsense' is not an address or prefix" ||
    exit 1
wait_for "$tmp/err" "reload: $tmp/conf has errors; nothing changed" ||
    exit 1
send "$(net 3 "www.example.org")"
# The count of the remote entry, gone from the list, stays in its kind.
wait_for "$tmp/err" "signetd: allow netjoin: suppressed remote 1 domain 1" \
    USR1 || exit 1
[ "$(wc -l < "$tmp/alerts.json")" -eq 1 ] ||
    bad "$(wc -l < "$tmp/alerts.json") alerts, want 1"

# 5. The counters, and a clean stop.
wait_for "$tmp/err" "reloads 1 reload_failures 1" USR1
wait_for "$tmp/err" "signetd: allow netjoin domain \"example.org\": hits 1 ($tmp/allow.list:2)" USR1
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || bad "exit $rc after SIGTERM, want 0"
grep -q "signetd: enrich: alerts 3 sent 1 suppressed 2 " "$tmp/err" ||
    bad "final counters: $(grep 'enrich:' "$tmp/err" | tail -n 1)"

[ "$fail" -eq 0 ] && echo "ok   enrich-reload"
exit $fail
