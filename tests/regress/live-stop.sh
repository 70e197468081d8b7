#!/bin/sh
# live-stop: SIGTERM and SIGINT while messages are still buffered (in the
# kernel's socket buffers or the daemon's): every message already sent is
# processed and its alerts are written before signetd exits 0, within
# stop_timeout. Four runs, each with a fresh daemon:
#   closed-TERM, closed-INT	logger sends the corpus over TCP and exits;
#				the signal follows at once
#   open-TERM, open-INT		a peer sends the corpus and half a frame and
#				keeps its connection open: the stop must not
#				wait for it, and the half frame is counted
# and one more, udp-TERM: datagrams sent just before the signal are read.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh). LIVE_EVENTS (4000)
# sizes the corpus.

# $PEER, $HOSTILE and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init live-stop
need logger bsdutils
: "${LIVE_EVENTS:=4000}"

gen corpus --seed 361 --events "$LIVE_EVENTS"
corpus=$LIB_TMP/corpus
nlines=$(lines "$corpus")
mkconf "$LIB_TMP/ref.conf" "$LIB_TMP/unused"
replay "$LIB_TMP/ref.conf" "$corpus" "$LIB_TMP/replay.alerts"

# run NAME SIGNAL HOW: HOW is closed (logger) or open (peer.py, holding).
run()
{
	r_name=$1 r_sig=$2 r_how=$3
	set -- $(free_ports 1)
	r_port=$1
	r_alerts=$LIB_TMP/$r_name.alerts
	mkconf "$LIB_TMP/$r_name.conf" "$r_alerts"
	listener "$LIB_TMP/$r_name.conf" in tcp "$r_port"
	start_daemon "$LIB_TMP/$r_name.conf" "$r_name"
	if [ "$r_how" = closed ]; then
		bounded 40 /dev/null "$LIB_TMP/$r_name.logger" \
		    logger -n 127.0.0.1 -P "$r_port" -T --octet-count \
		    -S 65000 -t siggen -f "$corpus"
		[ "$RC" -eq 0 ] || bad "$r_name: logger exited $RC"
	else
		$PEER tcp "$r_port" "$corpus" "$LIB_TMP/$r_name.held" \
		    '<13>1 - - - - - - {"half": ' &
		r_peer=$!
		lib_track "$r_peer"
		n=0
		while [ ! -e "$LIB_TMP/$r_name.held" ] && [ "$n" -lt 300 ] &&
		    alive "$r_peer"; do
			sleep 0.1
			n=$((n + 1))
		done
		[ -e "$LIB_TMP/$r_name.held" ] ||
			bad "$r_name: the peer did not send the corpus in 30s"
	fi
	# At once: what was sent is still being read.
	stop_daemon "$r_sig"
	if [ "$r_how" = open ]; then
		reap "$r_peer" 5
		[ "$RC" -eq 0 ] || bad "$r_name: peer exited $RC (did the" \
		    "daemon not close its connection?)"
		expect "$r_name: closed_mid_frame" \
		    "$(lcount in closed_mid_frame)" eq 1
	else
		expect "$r_name: closed_mid_frame" \
		    "$(lcount in closed_mid_frame)" eq 0
	fi
	expect "$r_name: messages" "$(lcount in messages)" eq "$nlines"
	expect "$r_name: messages in the pipeline" "$(gcount messages)" eq \
	    "$nlines"
	same_alerts "$r_name" "$r_alerts" "$LIB_TMP/replay.alerts"
}

run closed-TERM TERM closed
run closed-INT INT closed
run open-TERM TERM open
run open-INT INT open

# Datagrams already in the socket's receive queue when SIGTERM comes.
set -- $(free_ports 1)
mkconf "$LIB_TMP/udp.conf" "$LIB_TMP/udp.alerts"
listener "$LIB_TMP/udp.conf" in udp "$1" "rcvbuf = 8M"
start_daemon "$LIB_TMP/udp.conf" udp
head -n 500 "$corpus" > "$LIB_TMP/udp.corpus"
bounded 20 /dev/null "$LIB_TMP/udp.peer" $PEER udp "$1" \
    "$LIB_TMP/udp.corpus" 100000
[ "$RC" -eq 0 ] || bad "udp-TERM: peer exited $RC"
stop_daemon TERM
expect "udp-TERM: kernel_drops" "$(lcount in kernel_drops)" eq 0
expect "udp-TERM: datagrams" "$(lcount in datagrams)" eq 500
expect "udp-TERM: messages" "$(lcount in messages)" eq 500

lib_done
