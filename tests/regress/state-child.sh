#!/bin/sh
# state-child: the forked child of a periodic state save, held on purpose
# (its temporary file is a FIFO nobody reads, so it blocks opening it).
#   relay	a signal sent to the child stays with the child: it is not
#		relayed to the daemon through libevent's socket pair (a
#		SIGINT to the process group would otherwise reach the daemon
#		twice, and the second one cuts the stop's drain short)
#   stop	SIGTERM while a save hangs: the daemon does not wait for the
#		child; it kills it, saves in the foreground and exits 0
#   orphan	kill -9 of the daemon: the child goes with it rather than
#		keep the listening sockets and the temporary file
#   fds		the child holds none of the daemon's sockets
#   retime	a reload that shortens snapshot_interval makes saves start;
#		a reload while a save hangs is in force and leaves it be
#   drain	while the outputs drain after SIGTERM, no periodic save
#		runs (nor the tick that ages the state); a scrape of the
#		metrics is served then, and counts the stop's save
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $(free_ports N) is split into words on purpose.
# shellcheck disable=SC2046
. "$(dirname "$0")/lib.sh"
lib_init state-child

set -- $(free_ports 1)
port=$1

# child: the pid of the daemon's save child, waited for up to 20s; empty
# if none came.
child()
{
	n=0
	while [ "$n" -lt 200 ]; do
		c=$(pgrep -P "$DAEMON_PID" | head -n 1)
		if [ -n "$c" ]; then
			echo "$c"
			return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

# gone PID SECS: PID no longer runs within SECS seconds.
gone()
{
	n=0
	while alive "$1" && [ "$n" -lt $(($2 * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	! alive "$1"
}

mkdir "$LIB_TMP/s"
mkfifo "$LIB_TMP/s/state.tmp"
mkconf "$LIB_TMP/c.conf" "$LIB_TMP/c.alerts" \
    "state_file = $LIB_TMP/s/state" "snapshot_interval = 1s"
listener "$LIB_TMP/c.conf" in tcp "$port"
start_daemon "$LIB_TMP/c.conf" c

# relay
c1=$(child)
if [ -z "$c1" ]; then
	bad "no save child within 20s"
	exit 1
fi
lib_track "$c1"
# fds: the daemon's sockets are closed in the child.
socks=$(find "/proc/$c1/fd" -lname 'socket:*' 2>/dev/null | wc -l)
if [ "$socks" -eq 0 ]; then
	ok "the save child holds none of the daemon's sockets"
else
	bad "the save child holds $socks of the daemon's sockets"
fi
kill -USR1 "$c1"
sleep 2
if grep -q '^signetd: messages ' "$DAEMON_ERR"; then
	bad "SIGUSR1 to the save child reached the daemon"
else
	ok "SIGUSR1 to the save child stays with the child"
fi
if gone "$c1" 5; then
	ok "the child died of it; the daemon logged a failed save"
	grep -q 'state: saving .* failed' "$DAEMON_ERR" ||
		bad "no failed save logged"
else
	bad "the save child still runs after SIGUSR1"
	kill -KILL "$c1" 2>/dev/null
fi
lib_untrack "$c1"

# stop: the next child hangs on the FIFO too; the foreground save at stop
# gets a regular file.
c2=$(child)
[ -n "$c2" ] && lib_track "$c2"
rm -f "$LIB_TMP/s/state.tmp"
if stop_daemon TERM && grep -q "state: saved $LIB_TMP/s/state:" "$DAEMON_ERR"
then
	ok "SIGTERM with a hung save: exit 0, saved in the foreground"
else
	bad "SIGTERM with a hung save"
	grep 'state' "$DAEMON_ERR" | sed 's/^/  /'
fi
if [ -n "$c2" ] && ! gone "$c2" 2; then
	bad "the hung save child outlives the daemon"
	kill -KILL "$c2" 2>/dev/null
fi
[ -n "$c2" ] && lib_untrack "$c2"

# orphan
mkfifo "$LIB_TMP/s/state.tmp"
start_daemon "$LIB_TMP/c.conf" k
c3=$(child)
if [ -z "$c3" ]; then
	bad "no save child within 20s"
	exit 1
fi
lib_track "$c3"
kill -KILL "$DAEMON_PID"
reap "$DAEMON_PID" 5
if gone "$c3" 5; then
	ok "kill -9 of the daemon: the save child goes with it"
else
	bad "kill -9 of the daemon: the save child $c3 still runs"
	kill -KILL "$c3" 2>/dev/null
fi
lib_untrack "$c3"

# retime: a reload that shortens snapshot_interval re-arms the timer,
# and a reload while a save runs leaves the save alone.
mkconf "$LIB_TMP/r.conf" "$LIB_TMP/r.alerts" \
    "state_file = $LIB_TMP/s/rstate" "snapshot_interval = 1h"
listener "$LIB_TMP/r.conf" in tcp "$port"
start_daemon "$LIB_TMP/r.conf" r
sed -i 's/^snapshot_interval = 1h$/snapshot_interval = 1s/' "$LIB_TMP/r.conf"
kill -HUP "$DAEMON_PID"
n=0
until grep -q 'rstate: .*(in the background)' "$DAEMON_ERR" ||
    [ "$n" -ge 150 ]; do
	sleep 0.1
	n=$((n + 1))
done
if grep -q 'rstate: .*(in the background)' "$DAEMON_ERR"; then
	ok "retime: snapshot_interval 1h to 1s by a reload: saves"
else
	bad "retime: no save within 15s of the reload to 1s"
fi
mkfifo "$LIB_TMP/s/rstate.tmp"
# A save that started before the FIFO may still be seen: wait for one
# that hangs.
t=0
c4=
while [ "$t" -lt 20 ] && [ -z "$c4" ]; do
	c4=$(child)
	sleep 0.5
	[ -n "$c4" ] && ! alive "$c4" && c4=
	t=$((t + 1))
done
[ -n "$c4" ] && lib_track "$c4"
skip=$(wc -l < "$DAEMON_ERR")
kill -HUP "$DAEMON_PID"
sleep 1
if tail -n +$((skip + 1)) "$DAEMON_ERR" | grep -q 'reload: .*in force' &&
    [ -n "$c4" ] && alive "$c4"; then
	ok "retime: a reload while a save hangs: in force, the save left alone"
else
	bad "retime: reload while a save hangs"
	tail -n +$((skip + 1)) "$DAEMON_ERR" | sed 's/^/  /'
fi
rm -f "$LIB_TMP/s/rstate.tmp"
stop_daemon TERM
[ -n "$c4" ] && ! gone "$c4" 2 && bad "retime: save child outlives the stop"
[ -n "$c4" ] && lib_untrack "$c4"

# drain: after the stop's save nothing saves again, nor ages the state
# (the tick would send counts the saved file still holds, twice over a
# restart). A webhook no one answers holds the drain for stop_timeout.
set -- $(free_ports 2)
dead=$1 mport=$2
h=$(printf "%040d" 0 | tr 0 d)
printf '{"category":"AdvancedHunting-DeviceFileCertificateInfo","properties":{"Timestamp":"2024-03-01T10:00:00Z","DeviceId":"ws01","DeviceName":"WS01","SHA1":"%s","IsSigned":false,"IsTrusted":false,"Signer":""}}\n' \
    "$h" > "$LIB_TMP/pair"
printf '{"category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2024-03-01T10:05:00Z","DeviceId":"ws01","DeviceName":"WS01","ActionType":"ConnectionSuccess","InitiatingProcessId":4242,"InitiatingProcessSHA1":"%s","InitiatingProcessFolderPath":"c:\\\\temp\\\\a.exe","RemoteIP":"81.2.69.142","RemotePort":443,"Protocol":"Tcp"}}\n' \
    "$h" >> "$LIB_TMP/pair"
rm -f "$LIB_TMP/s/state.tmp"
mkconf "$LIB_TMP/d.conf" "$LIB_TMP/d.alerts" \
    "state_file = $LIB_TMP/s/dstate" "snapshot_interval = 1s"
listener "$LIB_TMP/d.conf" in tcp "$port"
printf '\n[output hook]\ntype = webhook\nformat = json\n%s\n' \
    "url = http://127.0.0.1:$dead/" >> "$LIB_TMP/d.conf"
printf '\n[metrics]\nlisten = 127.0.0.1:%s\n' "$mport" >> "$LIB_TMP/d.conf"
start_daemon "$LIB_TMP/d.conf" d
$PEER tcp "$port" "$LIB_TMP/pair"
n=0
while [ ! -s "$LIB_TMP/d.alerts" ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ -s "$LIB_TMP/d.alerts" ] || bad "drain: no alert from the pair"
# A scrape while the outputs drain: served, with the stop's save in it.
kill -TERM "$DAEMON_PID"
sleep 1
if "$PYTHON3" -c '
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    sys.stdout.write(r.read().decode())
' "http://127.0.0.1:$mport/metrics" > "$LIB_TMP/drain.prom" 2>&1 &&
    v=$(sed -n 's/^signetd_state_saves_total{result="ok"} //p' \
    "$LIB_TMP/drain.prom") && [ "${v:-0}" -ge 1 ]; then
	ok "drain: a scrape is served, state_saves_total ok $v"
else
	bad "drain: scrape during the stop"
	tail -n 5 "$LIB_TMP/drain.prom" | sed 's/^/  /'
fi
# The drain runs its course (stop_timeout, 5s): no second signal.
reap "$DAEMON_PID" 20
if [ "$RC" -eq 0 ] && ! grep -q 'Sanitizer\|runtime error:' "$DAEMON_ERR"
then
	ok "drain: exit 0 after stop_timeout"
else
	bad "drain: exit $RC"
	tail -n 20 "$DAEMON_ERR" | sed 's/^/  /'
fi
DAEMON_PID=
after=$(sed -n '/signal 15: stopping/,$p' "$DAEMON_ERR")
if ! echo "$after" | grep -q 'stop_timeout reached'; then
	bad "drain: the webhook did not hold the drain"
elif echo "$after" | grep -q 'in the background\|previous save is still'
then
	bad "drain: periodic saves after the stop's save"
	echo "$after" | grep 'state:' | sed 's/^/  /'
else
	ok "drain: no periodic save after the stop's save"
fi

lib_done
