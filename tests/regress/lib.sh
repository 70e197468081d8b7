# lib.sh: what the live tests (tests/regress/live-*.sh) share. Sourced,
# POSIX sh. A test runs the daemon on loopback ports found free, sends to
# it with real peers, stops it with SIGTERM or SIGINT and reads the
# counters it prints when it stops.
#
#	. "$TOP/tests/regress/lib.sh"
#	lib_init NAME
#
# Environment: SIGNETD (the daemon), TOP (the sources), PYTHON3.
# LIVE_KEEP=1 keeps the temporary directory. Every process a test starts
# is recorded with lib_track and stopped by its PID when the test exits,
# whatever the way out.

: "${PYTHON3:=python3}"
LIB_PIDS=
DAEMON_PID=
fail=0

ok()
{
	echo "ok   $LIB_NAME: $*"
}

bad()
{
	echo "FAIL $LIB_NAME: $*"
	fail=1
}

# need TOOL PACKAGE: tools/bootstrap.sh installs PACKAGE, and CI runs it,
# so a missing tool is a broken set-up, not a reason to skip.
need()
{
	if ! command -v "$1" >/dev/null 2>&1; then
		bad "$1 not found: install the Debian package $2" \
		    "(tools/bootstrap.sh does)"
		exit 1
	fi
}

lib_init()
{
	LIB_NAME=$1
	if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
		echo "$LIB_NAME: SIGNETD unset or not executable: skipped"
		exit 77
	fi
	: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
	need "$PYTHON3" python3
	# The interpreter itself, not a wrapper around it: a version
	# manager's shim can cost a second a start, and peers start often.
	PYTHON3=$("$PYTHON3" -c 'import sys; print(sys.executable)') ||
		exit 99
	LIB_T0=$(date +%s)
	LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$LIB_NAME.XXXXXX") || exit 99
	trap lib_cleanup EXIT
	# $PEER is split into words where it is used.
	case $PYTHON3$LIB_TMP in
	*[[:space:]]*)
		bad "$PYTHON3 or $LIB_TMP has a space: not supported"
		exit 99
		;;
	esac
	trap 'exit 1' HUP INT TERM
	lib_write_peer > "$LIB_TMP/peer.py"
	PEER="$PYTHON3 $LIB_TMP/peer.py"
}

# The EXIT trap: stop what is still running, by PID, then clean up.
lib_cleanup()
{
	for p in $LIB_PIDS; do
		alive "$p" && kill -TERM "$p" 2>/dev/null
	done
	for p in $LIB_PIDS; do
		n=0
		while alive "$p" && [ "$n" -lt 20 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${LIVE_KEEP:-}" ]; then
		echo "$LIB_NAME: files kept in $LIB_TMP"
	else
		rm -rf "$LIB_TMP"
	fi
}

# lib_done: the last line, and the exit status.
lib_done()
{
	echo "$LIB_NAME: done in $(($(date +%s) - LIB_T0))s"
	exit "$fail"
}

lib_track()
{
	LIB_PIDS="$LIB_PIDS $1"
}

lib_untrack()
{
	LIB_PIDS=$(for p in $LIB_PIDS; do [ "$p" = "$1" ] || echo "$p"; done)
}

# alive PID: running, and not a zombie waiting to be reaped (kill -0
# succeeds on those).
alive()
{
	kill -0 "$1" 2>/dev/null || return 1
	case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' \
	    "/proc/$1/status" 2>/dev/null) in
	Z|X|"")	return 1 ;;
	esac
	return 0
}

# reap PID SECS: wait up to SECS seconds for PID to exit and set RC to its
# status; a PID still running then is killed and RC is 124.
reap()
{
	n=0
	while alive "$1" && [ "$n" -lt $(($2 * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
	if alive "$1"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=124
	else
		wait "$1"
		RC=$?
	fi
	lib_untrack "$1"
}

# bounded SECS IN OUT CMD...: run CMD with stdin IN and stdout and stderr
# OUT, at most SECS seconds; RC is its status (124 when it was killed).
bounded()
{
	b_secs=$1 b_in=$2 b_out=$3
	shift 3
	"$@" < "$b_in" > "$b_out" 2>&1 &
	b_pid=$!
	lib_track "$b_pid"
	reap "$b_pid" "$b_secs"
}

# free_ports N: N distinct ports free for both TCP and UDP on 127.0.0.1,
# all held open until all are found so that none comes twice.
free_ports()
{
	$PEER ports "$1"
}

# mkconf FILE ALERTS [LINE...]: a configuration with the default rules,
# the lines given in [signetd], and the alerts as JSON lines into ALERTS.
# Listeners are added to it with listener.
mkconf()
{
	m_file=$1 m_alerts=$2
	shift 2
	{
		printf '[signetd]\nstop_timeout = 5s\nallow_root = yes\n'
		for l in "$@"; do
			printf '%s\n' "$l"
		done
		printf '\n[output o]\ntype = file\nformat = json\n'
		printf 'path = %s\n' "$m_alerts"
	} > "$m_file"
}

# listener FILE NAME PROTO PORT [LINE...]: add a [listen NAME] section on
# 127.0.0.1.
listener()
{
	l_file=$1 l_name=$2 l_proto=$3 l_port=$4
	shift 4
	{
		printf '\n[listen %s]\nproto = %s\naddress = 127.0.0.1\n' \
		    "$l_name" "$l_proto"
		printf 'port = %s\n' "$l_port"
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >> "$l_file"
}

# gen NAME SIGGEN-ARGS...: a generated corpus, $LIB_TMP/NAME.
gen()
{
	g_name=$1
	shift
	if ! "$PYTHON3" "$TOP/tools/siggen" "$@" -o "$LIB_TMP/$g_name"; then
		bad "siggen $*"
		exit 1
	fi
}

# start_daemon CONF [TAG]: run signetd -c CONF in the foreground, in the
# background of this shell; DAEMON_PID, DAEMON_ERR (its stderr) and
# DAEMON_OUT are set. Waits until it has logged one "listening:" line
# per [listen] section. SIGINT and SIGQUIT are put back to their defaults
# first: a shell without job control starts background commands with
# them ignored, which a daemon may rightly keep.
start_daemon()
{
	s_conf=$1 s_tag=${2:-signetd}
	DAEMON_ERR=$LIB_TMP/$s_tag.err
	DAEMON_OUT=$LIB_TMP/$s_tag.out
	s_want=$(grep -c '^\[listen ' "$s_conf")
	if ! "$SIGNETD" -t -c "$s_conf" > "$DAEMON_OUT" 2> "$DAEMON_ERR"; then
		bad "signetd -t -c $s_conf refuses the test's configuration"
		sed 's/^/  /' "$DAEMON_ERR"
		exit 1
	fi
	$PEER exec-dfl "$SIGNETD" -c "$s_conf" > "$DAEMON_OUT" \
	    2> "$DAEMON_ERR" &
	DAEMON_PID=$!
	lib_track "$DAEMON_PID"
	n=0
	while [ "$n" -lt 300 ]; do
		if ! alive "$DAEMON_PID"; then
			reap "$DAEMON_PID" 1
			bad "signetd exited $RC at start"
			sed 's/^/  /' "$DAEMON_ERR" | tail -n 20
			exit 1
		fi
		[ "$(grep -c '^signetd: listening: ' "$DAEMON_ERR")" -ge \
		    "$s_want" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	bad "signetd did not log $s_want \"listening:\" lines in 30s"
	sed 's/^/  /' "$DAEMON_ERR" | tail -n 20
	exit 1
}

# stop_daemon [SIGNAL]: SIGTERM (or SIGNAL) to the daemon, which must exit
# 0 within stop_timeout (5s) and a margin. Its last counters stay in
# DAEMON_ERR. Sanitizer reports there fail the test too.
stop_daemon()
{
	t_sig=${1:-TERM}
	t_t0=$(date +%s)
	kill -"$t_sig" "$DAEMON_PID"
	reap "$DAEMON_PID" 15
	t_dt=$(($(date +%s) - t_t0))
	if [ "$RC" -eq 124 ]; then
		bad "signetd still running ${t_dt}s after SIG$t_sig: killed"
	elif [ "$RC" -ne 0 ]; then
		bad "signetd exited $RC after SIG$t_sig"
		sed 's/^/  /' "$DAEMON_ERR" | tail -n 20
	else
		ok "signetd exited 0 within ${t_dt}s of SIG$t_sig"
	fi
	if grep -q 'Sanitizer\|runtime error:' "$DAEMON_ERR"; then
		bad "sanitizer report in the daemon's stderr"
		grep -A 12 'Sanitizer\|runtime error:' "$DAEMON_ERR" |
		    head -n 40 | sed 's/^/  /'
	fi
	DAEMON_PID=
	[ "$RC" -eq 0 ]
}

# daemon_alive WHAT: a check that the daemon still runs.
daemon_alive()
{
	if alive "$DAEMON_PID"; then
		ok "signetd alive $*"
		return 0
	fi
	bad "signetd died $*"
	sed 's/^/  /' "$DAEMON_ERR" | tail -n 20
	return 1
}

# Counters, from the last block the daemon printed (at stop or SIGUSR1):
#   lcount NAME FIELD	signetd: listen NAME: messages N bytes N ...
#   gcount FIELD	signetd: messages N records N ...
#   skcount FIELD	signetd: skipped: not_json N ...
# print the number after FIELD on the last line that starts so, or "?".
lib_field()
{
	P=$1 F=$2 awk '
	index($0, ENVIRON["P"]) == 1 { line = $0 }
	END {
		v = "?"
		n = split(line, w, " ")
		for (i = 1; i < n; i++)
			if (w[i] == ENVIRON["F"] && w[i + 1] ~ /^[0-9]+$/)
				v = w[i + 1]
		print v
	}' "$DAEMON_ERR"
}

lcount()
{
	lib_field "signetd: listen $1: messages " "$2"
}

gcount()
{
	lib_field "signetd: messages " "$1"
}

skcount()
{
	lib_field "signetd: skipped: " "$1"
}

# snapshot: SIGUSR1, then wait until the daemon has printed one more line
# per listener.
snapshot()
{
	p_n=$(grep -c '^signetd: listen [^ ]*: messages ' "$DAEMON_ERR")
	p_want=$((p_n + $(grep -c '^signetd: listening: ' "$DAEMON_ERR")))
	kill -USR1 "$DAEMON_PID" || return 1
	n=0
	while [ "$n" -lt 100 ]; do
		[ "$(grep -c '^signetd: listen [^ ]*: messages ' \
		    "$DAEMON_ERR")" -ge "$p_want" ] && return 0
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

# numcmp A OP B: [ A -OP B ] for OP eq, ne, ge, gt, le or lt.
numcmp()
{
	case $2 in
	eq)	[ "$1" -eq "$3" ] ;;
	ne)	[ "$1" -ne "$3" ] ;;
	ge)	[ "$1" -ge "$3" ] ;;
	gt)	[ "$1" -gt "$3" ] ;;
	le)	[ "$1" -le "$3" ] ;;
	lt)	[ "$1" -lt "$3" ] ;;
	*)	return 2 ;;
	esac
}

# wait_count NAME FIELD OP VALUE [SECS]: snapshot until the counter FIELD
# of listener NAME satisfies [ N -OP VALUE ], at most SECS (20) seconds;
# GOT is its last value.
wait_count()
{
	w_end=$(($(date +%s) + ${5:-20}))
	while :; do
		snapshot
		GOT=$(lcount "$1" "$2")
		case $GOT in
		*[!0-9]*|"")	;;
		*)	numcmp "$GOT" "$3" "$4" && return 0 ;;
		esac
		[ "$(date +%s)" -ge "$w_end" ] && return 1
		alive "$DAEMON_PID" || return 1
		sleep 0.2
	done
}

# wait_done NAME FIELD WANT ACCEPTED [SECS]: as wait_count NAME FIELD ge
# WANT, but once ACCEPTED connections were accepted and none is active
# any more, nothing else can come: give up at once.
wait_done()
{
	w_end=$(($(date +%s) + ${5:-20}))
	while :; do
		snapshot
		GOT=$(lcount "$1" "$2")
		w_acc=$(lcount "$1" accepted)
		w_act=$(lcount "$1" active)
		case $GOT$w_acc$w_act in
		*[!0-9]*|"")	;;
		*)	[ "$GOT" -ge "$3" ] && return 0
			[ "$w_acc" -ge "$4" ] && [ "$w_act" -eq 0 ] && return 1
			;;
		esac
		[ "$(date +%s)" -ge "$w_end" ] && return 1
		alive "$DAEMON_PID" || return 1
		sleep 0.2
	done
}

# mark NAME: a snapshot of listener NAME's counters to count from.
# delta NAME FIELD: FIELD in the last snapshot minus FIELD at the mark.
mark()
{
	snapshot || return 1
	grep "^signetd: listen $1: messages " "$DAEMON_ERR" | tail -n 1 \
	    > "$LIB_TMP/mark.$1"
}

delta()
{
	d_now=$(lcount "$1" "$2")
	d_then=$(DAEMON_ERR=$LIB_TMP/mark.$1 lcount "$1" "$2")
	case $d_now$d_then in
	*[!0-9]*|"")	echo "?" ;;
	*)		echo $((d_now - d_then)) ;;
	esac
}

# wait_settled NAME CONNS [SECS]: snapshot until CONNS more connections
# than at the mark were accepted or refused and none is active: what
# they sent is all counted.
wait_settled()
{
	w_end=$(($(date +%s) + ${3:-20}))
	while :; do
		snapshot
		w_n=0
		for f in accepted refused_limit refused_allow; do
			w_d=$(delta "$1" $f)
			case $w_d in
			*[!0-9-]*|"")	w_n=-1000000000 ;;
			*)		w_n=$((w_n + w_d)) ;;
			esac
		done
		[ "$w_n" -ge "$2" ] && [ "$(lcount "$1" active)" = 0 ] &&
			return 0
		[ "$(date +%s)" -ge "$w_end" ] && return 1
		alive "$DAEMON_PID" || return 1
		sleep 0.1
	done
}

# expect WHAT GOT OP WANT: one check of a number.
expect()
{
	case $2 in
	*[!0-9]*|"")
		bad "$1: no such counter (\"$2\")"
		return 1
		;;
	esac
	if numcmp "$2" "$3" "$4"; then
		ok "$1: $2"
		return 0
	fi
	bad "$1: $2, want -$3 $4"
	return 1
}

# summed NAME VERB WHAT REASON: the sum of N over the interval summaries
# "signetd: listen NAME: VERB N WHAT in the last interval (REASON)".
summed()
{
	P="signetd: listen $1: $2 " S=" $3 in the last interval ($4)" awk '
	index($0, ENVIRON["P"]) == 1 {
		r = substr($0, length(ENVIRON["P"]) + 1)
		n = r + 0
		if (substr(r, length(n "") + 1) == ENVIRON["S"])
			t += n
	}
	END { print t + 0 }' "$DAEMON_ERR"
}

# wait_summed NAME VERB WHAT REASON N: until the summaries add up to N,
# at most 5 seconds (stats_interval must be 1s); GOT is the last sum.
wait_summed()
{
	n=0
	while :; do
		GOT=$(summed "$1" "$2" "$3" "$4")
		[ "$GOT" -ge "$5" ] && return 0
		[ "$n" -ge 50 ] && return 1
		sleep 0.1
		n=$((n + 1))
	done
}

# replay CONF STREAM ALERTS: signetd --replay STREAM with the rules of
# CONF, the alerts into ALERTS.
replay()
{
	sed "s|^path = .*|path = $3|" "$1" > "$3.conf"
	rm -f "$3"
	if ! "$SIGNETD" -c "$3.conf" --replay "$2" > /dev/null \
	    2> "$3.err"; then
		bad "signetd --replay $2 failed"
		sed 's/^/  /' "$3.err" | tail -n 20
		exit 1
	fi
}

# same_alerts WHAT LIVE REPLAY: the alerts in both files, without
# detected_at, are the very same (the engine's alerts depend on the
# records alone), and there are some. LIVE_STRICT=0 relaxes this to the
# spec's level of agreement (see views() below).
same_alerts()
{
	if $PEER same-alerts "$2" "$3" > "$LIB_TMP/same.out" 2>&1; then
		ok "$1: $(cat "$LIB_TMP/same.out")"
		return 0
	fi
	bad "$1: the alerts differ from the replay's"
	sed 's/^/  /' "$LIB_TMP/same.out" | head -n 30
	return 1
}

# lines FILE: how many lines.
lines()
{
	wc -l < "$1" | tr -d ' '
}

# The Python side (stdlib only): ports, pacing, simple peers, the alert
# comparison and the signal-resetting exec.
lib_write_peer()
{
	cat <<'EOF'
import json, os, signal, socket, sys, time


def ports(n):
    held, out = [], []
    for _ in range(1000):
        if len(out) == n:
            break
        t = socket.socket()
        t.bind(("127.0.0.1", 0))
        p = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", p))
        except OSError:
            t.close()
            u.close()
            continue
        held += [t, u]
        out.append(p)
    print(" ".join(map(str, out)))


def pace(rate, path):
    """Copy lines to stdout, about RATE a second."""
    t0 = time.monotonic()
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            sys.stdout.buffer.write(line)
            if i % 50 == 49:
                sys.stdout.buffer.flush()
                ahead = t0 + (i + 1) / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
    sys.stdout.buffer.flush()


def udp(port, path, rate):
    """Each line a datagram, without its LF, about RATE a second."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0 = time.monotonic()
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            s.sendto(line.rstrip(b"\n"), ("127.0.0.1", port))
            ahead = t0 + (i + 1) / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)


def tcp(port, path, hold, tail):
    """Send the file; with HOLD, then TAIL, create HOLD and keep the
    connection open until the peer closes it (20 s at most)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    with open(path, "rb") as f:
        s.sendall(f.read())
    if hold is None:
        s.close()
        return
    s.sendall(tail.encode())
    open(hold, "w").close()
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def refused(port, proto, path, n):
    """Send the first N lines of PATH. UDP: one datagram each. TCP: on
    one connection, which the daemon must close without a word within
    5 s; 1 if it does not."""
    with open(path, "rb") as f:
        lines = [f.readline() for _ in range(n)]
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for line in lines:
            s.sendto(line.rstrip(b"\n"), ("127.0.0.1", port))
        return 0
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"".join(lines))
        if s.recv(4096) == b"":
            return 0
    except socket.timeout:
        print("connection still open after 5 s")
        return 1
    except OSError:
        return 0
    print("the daemon answered")
    return 1


def count_frames(path):
    """Octet-counted frames (RFC 6587 3.4.1) in a file."""
    with open(path, "rb") as f:
        data = f.read()
    i = n = 0
    while i < len(data):
        sp = data.index(b" ", i)
        i = sp + 1 + int(data[i:sp])
        n += 1
    print(n)


def load(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                a = json.loads(line)
            except ValueError as e:
                raise SystemExit("%s:%d: not JSON: %s" % (path, n, e))
            a.pop("detected_at", None)
            out.append(a)
    return out


def canon(a):
    return json.dumps(a, sort_keys=True)


def views(alerts):
    """What live and replay must agree on. imageload: every alert and
    report. netjoin, per (device, key, remote_ip) group: the first
    alert, sent at once on the first match, and the sum of the counts.
    How later matches are split among alerts, and the context those
    carry, depend on when an expiry sweep finds the suppression over,
    which in live mode is also driven by the clock (spec section 3)."""
    il, first, sums = [], {}, {}
    for a in alerts:
        if a.get("rule") != "netjoin":
            il.append(canon(a))
            continue
        g = (a["device"]["id"], a["key"], a["network"]["remote_ip"])
        first.setdefault(g, canon(a))
        sums[g] = sums.get(g, 0) + a["count"]
    return sorted(il), first, sums


def differ(what, a, b):
    print("%s differ:" % what)
    for x in sorted(set(b) - set(a))[:5]:
        print("  only in the replay: %s" % (x,))
    for x in sorted(set(a) - set(b))[:5]:
        print("  only live: %s" % (x,))
    if isinstance(a, dict):
        for g in sorted(set(a) & set(b)):
            if a[g] != b[g]:
                print("  %s: live %s, replay %s" % (g, a[g], b[g]))
                break


def same_alerts(live, ref, strict):
    la, ra = load(live), load(ref)
    if not ra:
        print("the replay wrote no alert: nothing to compare")
        return 1
    lv, rv = views(la), views(ra)
    bad = 0
    for what, a, b in (("imageload alerts and reports", lv[0], rv[0]),
                       ("netjoin first alerts", lv[1], rv[1]),
                       ("netjoin counts", lv[2], rv[2])):
        if a != b:
            differ(what, a, b)
            bad = 1
    same = sorted(map(canon, la)) == sorted(map(canon, ra))
    if strict and not same:
        differ("alerts (LIVE_STRICT)", sorted(map(canon, la)),
               sorted(map(canon, ra)))
        bad = 1
    if bad:
        return 1
    print("%d alerts (replay %d), %d imageload and %d netjoin groups "
          "agree%s" % (len(la), len(ra), len(lv[0]), len(lv[2]),
                       "" if same else
                       "; later netjoin alerts split differently"))
    return 0


def exec_dfl(argv):
    for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(s, signal.SIG_DFL)
    os.execvp(argv[0], argv)


def main(a):
    if a[0] == "ports":
        ports(int(a[1]))
    elif a[0] == "pace":
        pace(float(a[1]), a[2])
    elif a[0] == "udp":
        udp(int(a[1]), a[2], float(a[3]))
    elif a[0] == "tcp":
        tcp(int(a[1]), a[2], a[3] if len(a) > 3 else None,
            a[4] if len(a) > 4 else "")
    elif a[0] == "refused":
        return refused(int(a[1]), a[2], a[3], int(a[4]))
    elif a[0] == "count-frames":
        count_frames(a[1])
    elif a[0] == "same-alerts":
        return same_alerts(a[1], a[2], os.environ.get("LIVE_STRICT", "1") != "0")
    elif a[0] == "exec-dfl":
        exec_dfl(a[1:])
    else:
        raise SystemExit("peer.py: unknown command " + a[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
EOF
}
