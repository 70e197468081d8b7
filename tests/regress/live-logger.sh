#!/bin/sh
# live-logger: util-linux logger sends a generated corpus to a live
# signetd, one line a message, over TCP with octet counting, TCP with LF
# framing and UDP, with RFC 5424 and RFC 3164 headers. For each, a fresh
# daemon counts every line as one message and nothing as dropped, skips
# what the replay skips, and writes the alerts that signetd --replay
# writes on the same corpus with the same rules.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh). LIVE_EVENTS (3000)
# sizes the corpus.

# $PEER, $HOSTILE and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init live-logger
need logger bsdutils
: "${LIVE_EVENTS:=3000}"

gen corpus --seed 311 --events "$LIVE_EVENTS" --envelope-ratio 0.3
corpus=$LIB_TMP/corpus
nlines=$(lines "$corpus")
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' \
    "$corpus")
# Under 64 KiB with the header, so that a line is one datagram and one
# message within max_message.
if [ "$longest" -gt 60000 ]; then
	bad "corpus line of $longest bytes: too long for one datagram"
	exit 1
fi

mkconf "$LIB_TMP/ref.conf" "$LIB_TMP/unused"
replay "$LIB_TMP/ref.conf" "$corpus" "$LIB_TMP/replay.alerts"
ref_skipped=$(grep '^signetd: skipped: ' "$LIB_TMP/replay.alerts.err")

# run NAME PROTO LOGGER-OPTIONS...: one daemon, one logger run.
run()
{
	r_name=$1 r_proto=$2
	shift 2
	set -- $(free_ports 1)
	r_port=$1
	r_alerts=$LIB_TMP/$r_name.alerts
	mkconf "$LIB_TMP/$r_name.conf" "$r_alerts"
	if [ "$r_proto" = udp ]; then
		listener "$LIB_TMP/$r_name.conf" in udp "$r_port" "rcvbuf = 8M"
	else
		listener "$LIB_TMP/$r_name.conf" in tcp "$r_port"
	fi
	start_daemon "$LIB_TMP/$r_name.conf" "$r_name"

	# -S: logger cuts lines longer than this; UDP is paced so that
	# the kernel never has to drop a datagram.
	# shellcheck disable=SC2153
	r_opts="-n 127.0.0.1 -P $r_port -t siggen -S 65000 $R_OPTS"
	if [ "$r_proto" = udp ]; then
		rm -f "$LIB_TMP/fifo"
		mkfifo "$LIB_TMP/fifo"
		$PEER pace 2000 "$corpus" > "$LIB_TMP/fifo" &
		r_pacer=$!
		lib_track "$r_pacer"
		# shellcheck disable=SC2086
		bounded 40 /dev/null "$LIB_TMP/$r_name.logger" \
		    logger $r_opts -f "$LIB_TMP/fifo"
		r_rc=$RC
		reap "$r_pacer" 5
	else
		# shellcheck disable=SC2086
		bounded 40 /dev/null "$LIB_TMP/$r_name.logger" \
		    logger $r_opts -f "$corpus"
		r_rc=$RC
	fi
	if [ "$r_rc" -ne 0 ]; then
		bad "$r_name: logger exited $r_rc"
		sed 's/^/  /' "$LIB_TMP/$r_name.logger" | head -n 5
	fi

	r_wait="wait_done in messages $nlines 1 30"
	[ "$r_proto" = udp ] && r_wait="wait_count in messages ge $nlines 30"
	if ! $r_wait; then
		bad "$r_name: $GOT of $nlines messages arrived"
		if [ "$r_proto" = udp ]; then
			echo "  datagrams $(lcount in datagrams)" \
			    "kernel_drops $(lcount in kernel_drops):" \
			    "the kernel dropped what the daemon did not read"
		fi
	fi
	stop_daemon TERM
	expect "$r_name: messages" "$(lcount in messages)" eq "$nlines"
	for c in too_long bad_frame closed_mid_frame truncated kernel_drops; do
		expect "$r_name: $c" "$(lcount in $c)" eq 0
	done
	if [ "$r_proto" = udp ]; then
		expect "$r_name: datagrams" "$(lcount in datagrams)" eq "$nlines"
	else
		expect "$r_name: accepted" "$(lcount in accepted)" eq 1
		expect "$r_name: active after stop" "$(lcount in active)" eq 0
	fi
	r_sk=$(grep '^signetd: skipped: ' "$DAEMON_ERR" | tail -n 1)
	if [ "$r_sk" = "$ref_skipped" ]; then
		ok "$r_name: skipped as in the replay"
	else
		bad "$r_name: skipped differs from the replay's"
		echo "  live:   $r_sk"
		echo "  replay: $ref_skipped"
	fi
	same_alerts "$r_name" "$r_alerts" "$LIB_TMP/replay.alerts"
}

R_OPTS="-T --octet-count --rfc5424" run tcp-octet-5424 tcp
R_OPTS="-T --rfc5424" run tcp-lf-5424 tcp
R_OPTS="-T --octet-count --rfc3164" run tcp-octet-3164 tcp
R_OPTS="-T --rfc3164" run tcp-lf-3164 tcp
R_OPTS="-d --rfc5424" run udp-5424 udp
R_OPTS="-d --rfc3164" run udp-3164 udp

lib_done
