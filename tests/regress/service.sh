#!/bin/sh
# service: signetd as systemd runs it.
#   unit	systemd-analyze security --offline=yes rates
#		systemd/signetd.service 2.0 or lower
#   install	make install DESTDIR=... lays out the binary, the unit (with
#		this build's paths), the sysusers snippet, the manual pages
#		and etc/signetd/signetd.conf; systemd-sysusers creates the
#		user from the snippet in that tree
#   notify	under a stand-in service manager ($NOTIFY_SOCKET, a Python
#		datagram socket): READY=1 once listening, RELOADING=1 then
#		READY=1 on SIGHUP, WATCHDOG=1 with $WATCHDOG_USEC, STOPPING=1
#		on SIGTERM
#   user	as root with user = nobody the daemon runs as nobody (ids
#		from /proc), still detects and saves its state_file; with
#		neither user nor allow_root it refuses to start, before
#		binding anything; a state_file directory or spool that
#		nobody cannot write is refused at start
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh); BUILD, the build
# directory, for make install; MAKE.

# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init service
need systemd-analyze systemd

# unit
unit=$TOP/systemd/signetd.service
systemd-analyze security --offline=yes "$unit" > "$LIB_TMP/security" 2>&1
level=$(sed -n 's/.*Overall exposure level for signetd.service: \([0-9.]*\).*/\1/p' \
    "$LIB_TMP/security")
if [ -z "$level" ]; then
	bad "systemd-analyze security printed no exposure level"
	sed 's/^/  /' "$LIB_TMP/security" | tail -n 5
elif awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
	ok "exposure level $level (at most 2.0)"
else
	bad "exposure level $level, over 2.0"
	grep '✗' "$LIB_TMP/security" | sed 's/^/  /'
fi
for k in 'Type=notify' 'ExecReload=' 'StateDirectory=signetd' \
    'WatchdogSec=' 'User=signetd'; do
	grep -q "^$k" "$unit" || bad "the unit has no $k"
done

# install
if [ -n "${BUILD:-}" ] && [ -f "$BUILD/Makefile" ]; then
	dest=$LIB_TMP/dest
	if ${MAKE:-make} -C "$BUILD" install DESTDIR="$dest" \
	    > "$LIB_TMP/install" 2>&1; then
		prefix=$(sed -n 's/^prefix = //p' "$BUILD/Makefile")
		sysconfdir=$(sed -n 's/^sysconfdir = //p' "$BUILD/Makefile" |
		    sed "s|\${prefix}|$prefix|")
		sbindir=$prefix/sbin
		for f in "$sbindir/signetd" \
		    "$sysconfdir/signetd/signetd.conf" \
		    "$prefix/lib/systemd/system/signetd.service" \
		    "$prefix/lib/sysusers.d/signetd.conf" \
		    "$prefix/share/man/man8/signetd.8" \
		    "$prefix/share/man/man5/signetd.conf.5"; do
			if [ -s "$dest$f" ]; then
				ok "installed $f"
			else
				bad "make install did not install $f"
			fi
		done
		iu=$dest$prefix/lib/systemd/system/signetd.service
		if grep -q "^ExecStart=$sbindir/signetd -c $sysconfdir/signetd/signetd.conf\$" "$iu"; then
			ok "the installed unit runs $sbindir/signetd"
		else
			bad "the installed unit's ExecStart: $(grep '^ExecStart=' "$iu")"
		fi
		"$dest$sbindir/signetd" -t -c "$dest$sysconfdir/signetd/signetd.conf" \
		    2> "$LIB_TMP/t" || bad "the installed configuration fails -t"
		if command -v systemd-sysusers >/dev/null 2>&1; then
			mkdir -p "$dest/etc"
			if systemd-sysusers --root="$dest" \
			    "$dest$prefix/lib/sysusers.d/signetd.conf" \
			    > "$LIB_TMP/sysusers" 2>&1 &&
			    grep -q '^signetd:' "$dest/etc/passwd"; then
				ok "systemd-sysusers creates user signetd"
			else
				bad "systemd-sysusers did not create signetd"
				sed 's/^/  /' "$LIB_TMP/sysusers"
			fi
		fi
	else
		bad "make install DESTDIR=$dest failed"
		tail -n 20 "$LIB_TMP/install" | sed 's/^/  /'
	fi
else
	echo "service: no BUILD directory: install not tested"
fi

# notify: a stand-in manager that writes each datagram as one line.
cat > "$LIB_TMP/mgr.py" <<'PY'
import os, signal, socket, sys, time
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.5)
end = time.time() + 120
with open(out, "a") as f:
    while time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        f.write(d.decode("utf-8", "replace").replace("\n", " ") + "\n")
        f.flush()
PY
notes=$LIB_TMP/notify
: > "$notes"
"$PYTHON3" "$LIB_TMP/mgr.py" "$LIB_TMP/notify.sock" "$notes" &
mgr=$!
lib_track "$mgr"
n=0
while [ ! -S "$LIB_TMP/notify.sock" ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done

# wait_note PATTERN [SECS]: until a notification line matches.
wait_note()
{
	n=0
	while [ "$n" -lt $((${2:-10} * 10)) ]; do
		grep -q "$1" "$notes" && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

set -- $(free_ports 2)
port=$1 port2=$2
gen corpus --seed 77 --events 400
mkconf "$LIB_TMP/n.conf" "$LIB_TMP/n.alerts"
listener "$LIB_TMP/n.conf" in tcp "$port"
# No WATCHDOG_PID: libsystemd then takes the watchdog for any pid (the
# daemon's is not known before it starts).
unset WATCHDOG_PID
NOTIFY_SOCKET=$LIB_TMP/notify.sock WATCHDOG_USEC=400000
export NOTIFY_SOCKET WATCHDOG_USEC
start_daemon "$LIB_TMP/n.conf" notify
unset NOTIFY_SOCKET WATCHDOG_USEC
if wait_note '^READY=1 STATUS=running$'; then
	ok "READY=1 once listening"
else
	bad "no READY=1: $(cat "$notes")"
fi
if wait_note '^WATCHDOG=1$' 5; then
	ok "WATCHDOG=1 with WATCHDOG_USEC set"
else
	bad "no WATCHDOG=1 within 5s"
fi
kill -HUP "$DAEMON_PID"
if wait_note '^RELOADING=1 MONOTONIC_USEC=[0-9]*$' &&
    wait_note '^READY=1 STATUS=reloaded$'; then
	ok "RELOADING=1, then READY=1 on SIGHUP"
else
	bad "SIGHUP: $(tr '\n' '|' < "$notes")"
fi
stop_daemon TERM
if grep -q '^STOPPING=1$' "$notes"; then
	ok "STOPPING=1 on SIGTERM"
else
	bad "no STOPPING=1"
fi
kill "$mgr" 2>/dev/null

if [ "$(id -u)" -eq 0 ]; then
	# user: runs as nobody, and still detects; its state_file is in a
	# directory of nobody's, and the save at stop works.
	chmod 711 "$LIB_TMP"
	mkdir "$LIB_TMP/ustate"
	chown nobody "$LIB_TMP/ustate"
	mkconf "$LIB_TMP/u.conf" "$LIB_TMP/u.alerts" 'user = nobody' \
	    "state_file = $LIB_TMP/ustate/state"
	sed -i '/^allow_root = yes$/d' "$LIB_TMP/u.conf"
	listener "$LIB_TMP/u.conf" in tcp "$port2"
	# The file output is opened as root, before the drop.
	start_daemon "$LIB_TMP/u.conf" user
	ids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$DAEMON_PID/status" |
	    tr -s '\t ' ' ')
	nob=$(id -u nobody)
	if [ "$ids" = "$nob $nob $nob $nob" ]; then
		ok "runs as nobody (uids $ids)"
	else
		bad "uids '$ids', not nobody's $nob"
	fi
	grep -q '^Groups:[[:space:]]*'"$(id -g nobody)"'[[:space:]]*$' \
	    "/proc/$DAEMON_PID/status" ||
		bad "groups: $(grep '^Groups' "/proc/$DAEMON_PID/status")"
	bounded 30 /dev/null "$LIB_TMP/u.logger" logger -n 127.0.0.1 \
	    -P "$port2" -T --octet-count -S 65000 -t siggen \
	    -f "$LIB_TMP/corpus"
	wait_count in messages ge "$(lines "$LIB_TMP/corpus")" 20 ||
		bad "as nobody: $GOT of $(lines "$LIB_TMP/corpus") messages"
	# A reload that adds a spool nobody cannot write is refused; one
	# whose spool it will make in a directory of its own is not.
	mkdir -m 755 "$LIB_TMP/rootspool"
	cp "$LIB_TMP/u.conf" "$LIB_TMP/u0.conf"
	for sp in "$LIB_TMP/rootspool" "$LIB_TMP/ustate/spool"; do
		cp "$LIB_TMP/u0.conf" "$LIB_TMP/u.conf"
		printf '\n[output hook]\ntype = webhook\nformat = json\n%s\n%s\n' \
		    "url = http://127.0.0.1:$port/" "spool = $sp" \
		    >> "$LIB_TMP/u.conf"
		skip=$(wc -l < "$DAEMON_ERR")
		kill -HUP "$DAEMON_PID"
		n=0
		until tail -n +$((skip + 1)) "$DAEMON_ERR" |
		    grep -q 'reload: .*\(in force\|has errors\)' ||
		    [ "$n" -ge 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		tail -n +$((skip + 1)) "$DAEMON_ERR" > "$LIB_TMP/hup.err"
		if [ "$sp" = "$LIB_TMP/rootspool" ]; then
			if grep -q "directory $sp is not writable by user nobody" \
			    "$LIB_TMP/hup.err" &&
			    grep -q 'reload: .*has errors' "$LIB_TMP/hup.err"
			then
				ok "reload adding a spool nobody cannot write: refused"
			else
				bad "reload adding a spool nobody cannot write"
				sed 's/^/  /' "$LIB_TMP/hup.err"
			fi
		elif grep -q 'reload: .*in force' "$LIB_TMP/hup.err" &&
		    [ -d "$sp" ]; then
			ok "reload adding a spool it makes: in force"
		else
			bad "reload adding a spool it makes"
			sed 's/^/  /' "$LIB_TMP/hup.err"
		fi
	done
	stop_daemon TERM
	if [ -s "$LIB_TMP/u.alerts" ]; then
		ok "as nobody: $(lines "$LIB_TMP/u.alerts") alerts"
	else
		bad "as nobody: no alerts"
	fi
	if grep -q "state: saved $LIB_TMP/ustate/state:" "$DAEMON_ERR"; then
		ok "as nobody: state_file saved at stop"
	else
		bad "as nobody: state_file not saved"
		grep 'state' "$DAEMON_ERR" | sed 's/^/  /'
	fi

	# What must be written after the drop but cannot be: refused at
	# start, naming the directory, not at the first save or the first
	# spooled alert. A spool signetd creates as root is root's.
	mkdir -m 700 "$LIB_TMP/rootonly"
	for what in state spool; do
		mkconf "$LIB_TMP/w.conf" "$LIB_TMP/w.alerts" 'user = nobody'
		sed -i '/^allow_root = yes$/d' "$LIB_TMP/w.conf"
		listener "$LIB_TMP/w.conf" in tcp "$port2"
		if [ "$what" = state ]; then
			sed -i "/^user = nobody/a state_file = $LIB_TMP/rootonly/state" \
			    "$LIB_TMP/w.conf"
			dir=$LIB_TMP/rootonly
		else
			printf '\n[output hook]\ntype = webhook\nformat = json\n%s\n%s\n' \
			    "url = http://127.0.0.1:$port/" \
			    "spool = $LIB_TMP/wspool" >> "$LIB_TMP/w.conf"
			dir=$LIB_TMP/wspool
		fi
		bounded 20 /dev/null "$LIB_TMP/w.err" "$SIGNETD" -c "$LIB_TMP/w.conf"
		if [ "$RC" -eq 1 ] &&
		    grep -q "directory $dir is not writable by user nobody" \
		    "$LIB_TMP/w.err"; then
			ok "$what not writable by nobody: refused at start, exit 1"
		else
			bad "$what not writable by nobody: exit $RC"
			sed 's/^/  /' "$LIB_TMP/w.err" | tail -n 5
		fi
	done

	# neither user nor allow_root: refused before anything is bound.
	mkconf "$LIB_TMP/r.conf" "$LIB_TMP/r.alerts"
	sed -i '/^allow_root = yes$/d' "$LIB_TMP/r.conf"
	listener "$LIB_TMP/r.conf" in tcp "$port2"
	bounded 20 /dev/null "$LIB_TMP/r.err" "$SIGNETD" -c "$LIB_TMP/r.conf"
	if [ "$RC" -eq 1 ] &&
	    grep -q 'refusing to run as root' "$LIB_TMP/r.err" &&
	    ! grep -q 'listening:' "$LIB_TMP/r.err"; then
		ok "as root without user or allow_root: refused, exit 1"
	else
		bad "as root without user: exit $RC"
		sed 's/^/  /' "$LIB_TMP/r.err" | head
	fi
else
	echo "service: not root: user and refusal not tested"
fi

lib_done
