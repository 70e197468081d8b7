#!/bin/sh
# live-hostile: hostile peers against a live signetd while a good sender
# (logger, TCP octet-counted, paced over several seconds) streams a
# corpus to another listener. One daemon, four TCP listeners:
#   good	the good sender
#   hostile	max_per_source = 4, max_connections = 6; the cases below,
#		one after the other, each counted from a snapshot (SIGUSR1):
#		random	64 KiB of (seeded) random bytes
#		long	a 1 MiB line with no LF, then the peer closes
#		long-lf	a 1 MiB line, LF, then a good line: the connection
#			lives on and the good line is a message
#		huge	an octet count of 999999999
#		half	half an octet-counted frame, then the peer closes
#		churn	5,000 connections opened and closed, one at a time
#		limits	5 connections held from 127.0.0.1, 2 from 127.0.0.2
#			and 1 from 127.0.0.3: one refused per source and
#			one over max_connections
#   slow	idle_timeout = 1s: a peer dribbles a message one byte at a
#		time over 3 seconds and is not cut off
#   idle	idle_timeout = 1s: a peer sends half a message and falls
#		silent; it is closed after about a second, and counted
# Throughout: the daemon stays up, each case shows in the counters and
# in the interval summaries (stats_interval = 1s), the good sender's
# alerts are the replay's, and the daemon exits 0 on SIGTERM.
# Only loopback addresses are used; every loop is bounded.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh). LIVE_CHURN (5000)
# sets the number of connections opened and closed.

# $PEER, $HOSTILE and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init live-hostile
need logger bsdutils
: "${LIVE_CHURN:=5000}"

gen corpus --seed 371 --events 3000
corpus=$LIB_TMP/corpus
nlines=$(lines "$corpus")
mkconf "$LIB_TMP/ref.conf" "$LIB_TMP/unused"
replay "$LIB_TMP/ref.conf" "$corpus" "$LIB_TMP/replay.alerts"

cat > "$LIB_TMP/hostile.py" <<'EOF'
"""Hostile peers, stdlib only, each bounded in bytes and time."""
import os
import random
import socket
import sys
import time

HOST = "127.0.0.1"


def conn(port, src="127.0.0.1", timeout=10):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect((HOST, port))
    return s


def send_close(port, data):
    s = conn(port)
    try:
        s.sendall(data)
    except OSError as e:
        # The daemon may close a connection it has given up on.
        print("send: %s" % e)
    s.close()


def churn(port, n):
    end = time.monotonic() + 40
    for i in range(n):
        if time.monotonic() > end:
            print("churn: only %d connections in 40 s" % i)
            return 1
        s = socket.create_connection((HOST, port), timeout=5)
        s.close()
    return 0


def closed(s):
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def limits(port, ready, release):
    socks = []
    for src, n in (("127.0.0.1", 5), ("127.0.0.2", 2), ("127.0.0.3", 1)):
        for _ in range(n):
            socks.append(conn(port, src))
    open(ready, "w").close()
    end = time.monotonic() + 20
    while not os.path.exists(release) and time.monotonic() < end:
        time.sleep(0.05)
    print("closed by the daemon: %s" %
          [i for i, s in enumerate(socks) if closed(s)])
    for s in socks:
        s.close()
    return 0


def dribble(port):
    msg = b'<13>1 - - - - - - {"slow":"dribble"}\n'
    s = conn(port)
    for b in msg:
        s.sendall(bytes([b]))
        time.sleep(3.0 / len(msg))
    s.close()
    return 0


def idle(port):
    s = conn(port, timeout=5)
    s.sendall(b'{"idle":')
    t0 = time.monotonic()
    try:
        r = s.recv(1)
    except socket.timeout:
        print("idle: still open after 5 s")
        return 1
    except OSError:
        r = b""
    print("idle: closed after %.1f s" % (time.monotonic() - t0))
    return 0 if r == b"" else 1


def main(a):
    case, port = a[0], int(a[1])
    if case == "random":
        send_close(port, random.Random(7).randbytes(65536))
    elif case == "long":
        send_close(port, b"A" * (1 << 20))
    elif case == "long-lf":
        send_close(port, b"A" * (1 << 20) + b'\n{"after":"long"}\n')
    elif case == "huge":
        send_close(port, b"999999999 " + b"x" * 4096)
    elif case == "half":
        send_close(port, b'500 <13>1 - - - - - - {"half":')
    elif case == "churn":
        return churn(port, int(a[2]))
    elif case == "limits":
        return limits(port, a[2], a[3])
    elif case == "dribble":
        return dribble(port)
    elif case == "idle":
        return idle(port)
    return 0


sys.exit(main(sys.argv[1:]))
EOF
HOSTILE="$PYTHON3 $LIB_TMP/hostile.py"

set -- $(free_ports 4)
p_good=$1 p_host=$2 p_slow=$3 p_idle=$4
conf=$LIB_TMP/hostile.conf
mkconf "$conf" "$LIB_TMP/live.alerts" "stats_interval = 1s"
listener "$conf" good tcp "$p_good"
listener "$conf" hostile tcp "$p_host" "max_per_source = 4" \
    "max_connections = 6" "idle_timeout = 30s"
listener "$conf" slow tcp "$p_slow" "idle_timeout = 1s"
listener "$conf" idle tcp "$p_idle" "idle_timeout = 1s"
start_daemon "$conf" hostile

# The good sender, paced to go on while the hostile cases run.
mkfifo "$LIB_TMP/fifo"
$PEER pace 400 "$corpus" > "$LIB_TMP/fifo" &
pacer=$!
lib_track "$pacer"
logger -n 127.0.0.1 -P "$p_good" -T --octet-count -S 65000 -t siggen \
    -f "$LIB_TMP/fifo" > "$LIB_TMP/logger.out" 2>&1 &
good=$!
lib_track "$good"

$HOSTILE dribble "$p_slow" > "$LIB_TMP/dribble.out" 2>&1 &
dribbler=$!
lib_track "$dribbler"
$HOSTILE idle "$p_idle" > "$LIB_TMP/idle.out" 2>&1 &
idler=$!
lib_track "$idler"

# hcase NAME CONNS ARGS...: one case against the hostile listener; the
# counters' deltas are then read with delta.
hcase()
{
	h_name=$1 h_conns=$2
	shift 2
	mark hostile || bad "$h_name: no snapshot"
	bounded 45 /dev/null "$LIB_TMP/$h_name.out" $HOSTILE "$h_name" \
	    "$p_host" "$@"
	[ "$RC" -eq 0 ] || bad "$h_name: peer exited $RC:" \
	    "$(head -n 3 "$LIB_TMP/$h_name.out")"
	wait_settled hostile "$h_conns" 30 ||
		bad "$h_name: connections not all closed in 30s"
	daemon_alive "after $h_name"
}

hcase random 1
expect "random: bytes" "$(delta hostile bytes)" eq 65536
expect "random: messages + too_long + bad_frame + closed_mid_frame" \
    $(($(delta hostile messages) + \
    $(delta hostile too_long) + $(delta hostile bad_frame) + \
    $(delta hostile closed_mid_frame))) ge 1

hcase long 1
expect "long: too_long" "$(delta hostile too_long)" eq 1
expect "long: messages" "$(delta hostile messages)" eq 0

hcase long-lf 1
expect "long-lf: too_long" "$(delta hostile too_long)" eq 1
expect "long-lf: messages (the line after)" "$(delta hostile messages)" eq 1

hcase huge 1
expect "huge: too_long + bad_frame" $(($(delta hostile too_long) + \
    $(delta hostile bad_frame))) eq 1
expect "huge: messages" "$(delta hostile messages)" eq 0

hcase half 1
expect "half: closed_mid_frame" "$(delta hostile closed_mid_frame)" eq 1
expect "half: messages" "$(delta hostile messages)" eq 0

t0=$(date +%s)
hcase churn "$LIVE_CHURN" "$LIVE_CHURN"
expect "churn: accepted + refused_limit in $(($(date +%s) - t0))s" \
    $(($(delta hostile accepted) + $(delta hostile refused_limit))) \
    eq "$LIVE_CHURN"
expect "churn: active" "$(lcount hostile active)" eq 0

# limits: the peer holds its connections until told to let go.
mark hostile
$HOSTILE limits "$p_host" "$LIB_TMP/limits.ready" \
    "$LIB_TMP/limits.release" > "$LIB_TMP/limits.out" 2>&1 &
limiter=$!
lib_track "$limiter"
n=0
while [ ! -e "$LIB_TMP/limits.ready" ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
n=0
while [ "$n" -lt 50 ]; do
	snapshot
	[ "$(($(delta hostile accepted) + $(delta hostile refused_limit)))" \
	    -ge 8 ] && break
	sleep 0.1
	n=$((n + 1))
done
expect "limits: accepted" "$(delta hostile accepted)" eq 6
expect "limits: refused_limit" "$(delta hostile refused_limit)" eq 2
expect "limits: active while held" "$(lcount hostile active)" eq 6
touch "$LIB_TMP/limits.release"
reap "$limiter" 10
if grep -q 'closed by the daemon: \[4, 7\]' "$LIB_TMP/limits.out"; then
	ok "limits: the 5th from 127.0.0.1 and the one from 127.0.0.3 closed"
else
	bad "limits: $(cat "$LIB_TMP/limits.out"), want [4, 7]"
fi
wait_settled hostile 8 10 || bad "limits: connections not all closed"
daemon_alive "after limits"

reap "$dribbler" 15
[ "$RC" -eq 0 ] || bad "dribble: peer exited $RC"
reap "$idler" 15
if [ "$RC" -eq 0 ]; then
	ok "$(cat "$LIB_TMP/idle.out")"
else
	bad "$(cat "$LIB_TMP/idle.out")"
fi

reap "$good" 60
[ "$RC" -eq 0 ] || bad "good: logger exited $RC"
reap "$pacer" 5
wait_done good messages "$nlines" 1 ||
	bad "good: $GOT of $nlines messages arrived"
wait_count slow messages ge 1 5
daemon_alive "after all the cases"

# The summaries add up to the counters.
for s in "hostile dropped messages too_long" \
    "hostile dropped messages bad_frame" \
    "hostile dropped messages closed_mid_frame" \
    "hostile refused connections limit" \
    "idle closed connections idle"; do
	set -- $s
	want=$(lcount "$1" "$4")
	[ "$4" = limit ] && want=$(lcount "$1" refused_limit)
	[ "$4" = idle ] && want=$(lcount "$1" idle_closed)
	wait_summed "$@" "$want"
	expect "$1: summaries \"$2 N $3 ... ($4)\" add up" "$GOT" eq "$want"
done

stop_daemon TERM
expect "good: messages" "$(lcount good messages)" eq "$nlines"
for c in too_long bad_frame closed_mid_frame refused_limit idle_closed; do
	expect "good: $c" "$(lcount good $c)" eq 0
done
expect "slow: messages" "$(lcount slow messages)" eq 1
expect "slow: idle_closed" "$(lcount slow idle_closed)" eq 0
expect "slow: closed_mid_frame" "$(lcount slow closed_mid_frame)" eq 0
expect "idle: idle_closed" "$(lcount idle idle_closed)" eq 1
expect "idle: closed_mid_frame" "$(lcount idle closed_mid_frame)" eq 1
expect "idle: messages" "$(lcount idle messages)" eq 0
same_alerts "good" "$LIB_TMP/live.alerts" "$LIB_TMP/replay.alerts"

lib_done
