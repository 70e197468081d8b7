#!/bin/sh
# reload: SIGHUP reloads the whole configuration of a live daemon, all or
# nothing.
#  1. a bad signature fact and a connection: an alert;
#  2. a broken file and SIGHUP: the error is logged as file:line, the
#     daemon runs on, and alerts still go where the old file said;
#  3. a file that adds a TCP listener and a file output, and changes
#     max_message, which needs a restart: the listener accepts, a
#     connection sent to it joins the fact sent before the reload (the
#     state is kept), the alert goes to both outputs, and max_message is
#     logged as waiting for a restart and not applied (a message longer
#     than the new value still counts);
#  4. the first file again: the listener's port refuses, the output
#     gets nothing more;
#  5. SIGTERM: exit 0, no sanitizer report.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $(free_ports N) is split into words on purpose.
# shellcheck disable=SC2046
. "$(dirname "$0")/lib.sh"
lib_init reload

set -- $(free_ports 2)
pa=$1 pb=$2
conf=$LIB_TMP/signetd.conf
alerts=$LIB_TMP/alerts.json
alerts2=$LIB_TMP/alerts2.json

cert='{"category":"AdvancedHunting-DeviceFileCertificateInfo","properties":{"Timestamp":"2024-03-01T10:00:00Z","DeviceId":"ws01","DeviceName":"WS01","SHA1":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","IsSigned":false,"IsTrusted":false,"Signer":""}}'

# net MINUTE [URL]: a connection of the unsigned file to 81.2.69.142.
net()
{
	printf '{"category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2024-03-01T10:%02d:00Z","DeviceId":"ws01","DeviceName":"WS01","ActionType":"ConnectionSuccess","InitiatingProcessId":4242,"InitiatingProcessSHA1":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","InitiatingProcessFolderPath":"c:\\\\temp\\\\a.exe","RemoteIP":"81.2.69.142","RemotePort":443,"RemoteUrl":"%s","Protocol":"Tcp"}}\n' \
	    "$1" "${2:-}"
}

# send PORT LINE...: one TCP connection, one message per line.
send()
{
	s_port=$1
	shift
	printf '%s' "$@" > "$LIB_TMP/send"
	$PEER tcp "$s_port" "$LIB_TMP/send" || bad "cannot send to port $s_port"
}

# refuses PORT: nothing listens on 127.0.0.1:PORT any more.
refuses()
{
	"$PYTHON3" - "$1" <<'EOF'
import socket
import sys

try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
EOF
}

# wait_for FILE STRING: until FILE holds STRING, at most 20 s.
wait_for()
{
	n=0
	while [ "$n" -lt 200 ]; do
		grep -Fq -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	bad "no \"$2\" in $1 after 20 s"
	tail -n 20 "$1" 2>/dev/null | sed 's/^/  | /'
	return 1
}

# wait_lines FILE N: until FILE has N lines, at most 20 s; then a second
# more, to see that no more come.
wait_lines()
{
	n=0
	while [ "$n" -lt 200 ]; do
		[ "$(lines "$1" 2>/dev/null)" -ge "$2" ] 2>/dev/null && break
		sleep 0.1
		n=$((n + 1))
	done
	sleep 1
	got=$(lines "$1" 2>/dev/null)
	if [ "$got" = "$2" ]; then
		ok "$(basename "$1"): $2 alerts"
	else
		bad "$(basename "$1"): ${got:-no} alerts, want $2"
	fi
}

# base [LINE...]: the first configuration, with LINEs in [signetd]; one
# TCP listener, one file output, every match an alert.
base()
{
	mkconf "$conf" "$alerts" "$@"
	printf '\n[rule netjoin]\nsuppress = 0\n' >> "$conf"
	listener "$conf" a tcp "$pa"
}

# hup TEXT: SIGHUP, then wait for TEXT in the daemon's stderr, logged
# after the SIGHUP.
hup()
{
	h_n=$(lines "$DAEMON_ERR")
	kill -HUP "$DAEMON_PID"
	n=0
	while [ "$n" -lt 200 ]; do
		tail -n "+$((h_n + 1))" "$DAEMON_ERR" | grep -Fq -e "$1" &&
		    return 0
		sleep 0.1
		n=$((n + 1))
	done
	bad "no \"$1\" after SIGHUP"
	tail -n 20 "$DAEMON_ERR" | sed 's/^/  | /'
	return 1
}

# 1. The fact, and a connection that joins it.
base
start_daemon "$conf"
send "$pa" "$cert" "$(net 1)"
wait_lines "$alerts" 1

# 2. A broken file: line 4 has an unknown key, and the file would send
# alerts elsewhere; nothing changes.
cp "$conf" "$LIB_TMP/good.conf"
{
	printf '[signetd]\nstop_timeout = 5s\nallow_root = yes\n'
	printf 'no_such_option = 1\n'
	printf '\n[output o]\ntype = file\nformat = json\npath = %s\n' \
	    "$LIB_TMP/elsewhere.json"
} > "$conf"
hup "reload: $conf has errors; nothing changed" &&
    ok "broken file: nothing changed"
grep -Fq "$conf:4: " "$DAEMON_ERR" && ok "broken file: error at line 4" ||
    bad "no $conf:4: error logged"
daemon_alive "after the broken reload"
send "$pa" "$(net 2)"
wait_lines "$alerts" 2
[ -e "$LIB_TMP/elsewhere.json" ] &&
    bad "the broken file's output was opened"

# 3. A listener and an output more, and max_message 1K.
base "max_message = 1K"
listener "$conf" b tcp "$pb"
printf '\n[output o2]\ntype = file\nformat = json\npath = %s\n' \
    "$alerts2" >> "$conf"
hup "reload: $conf: new configuration in force" &&
    ok "reload with a listener and an output more"
grep -Fq "reload: [signetd] max_message changed; it takes effect at restart" \
    "$DAEMON_ERR" && ok "max_message: waits for a restart" ||
    bad "no line saying max_message waits for a restart"
grep -Fq "listening: b: tcp 127.0.0.1:$pb" "$DAEMON_ERR" ||
    bad "no \"listening: b\" line"
send "$pb" "$(net 3)"
wait_lines "$alerts" 3
wait_lines "$alerts2" 1
grep -Fq '"key":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","count":1' \
    "$alerts2" && ok "the fact sent before the reload was joined" ||
    bad "the alert after the reload is not the join with the fact"
# Over 1K: had max_message changed, it would be dropped.
long=$(printf '%01500d' 0 | tr 0 x).example.com
send "$pb" "$(net 5 "$long")"
wait_lines "$alerts" 4
wait_lines "$alerts2" 2

# 4. Back to the first file: b refuses, o2 gets nothing more.
cp "$LIB_TMP/good.conf" "$conf"
hup "reload: $conf: new configuration in force" &&
    ok "reload without them"
refuses "$pb" && ok "port of the removed listener refuses" ||
    bad "port $pb of the removed listener still accepts"
send "$pa" "$(net 6)"
wait_lines "$alerts" 5
wait_lines "$alerts2" 2
grep -Fq "output o2: removed from the configuration" "$DAEMON_ERR" ||
    bad "no line saying o2 was removed"

# 5. A clean stop.
stop_daemon
lib_done
