#!/bin/sh
# live-rsyslog: rsyslogd, run in the foreground as an unprivileged relay
# would be (its own configuration, work directory and PID file in the
# test's directory, no system sockets), reads a generated corpus with
# imfile and forwards it to a live signetd with omfwd over TCP:
#   octet-5424	TCP_Framing="octet-counted", an RFC 5424 header
#   lf-3164	the default LF framing, an RFC 3164 header
# Every line must arrive as one message, nothing be dropped, the skips
# be the replay's, and the alerts agree with signetd --replay on the
# corpus.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $PEER, $HOSTILE and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init live-rsyslog
need rsyslogd rsyslog

gen corpus --seed 321 --events 3000
corpus=$LIB_TMP/corpus
nlines=$(lines "$corpus")
mkconf "$LIB_TMP/ref.conf" "$LIB_TMP/unused"
replay "$LIB_TMP/ref.conf" "$corpus" "$LIB_TMP/replay.alerts"
ref_skipped=$(grep '^signetd: skipped: ' "$LIB_TMP/replay.alerts.err")

# rsconf FILE WORKDIR PORT FRAMING TEMPLATE: the relay's configuration.
# maxMessageSize first: it must precede the inputs, and rsyslog's 8k
# default would cut the longer lines.
rsconf()
{
	cat > "$1" <<EOF
global(workDirectory="$2" maxMessageSize="128k")
module(load="imfile")
template(name="t5424" type="string"
    string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% siggen - - - %msg%")
template(name="t3164" type="string"
    string="<%PRI%>%TIMESTAMP% %HOSTNAME% siggen: %msg%")
ruleset(name="fwd") {
	action(type="omfwd" target="127.0.0.1" port="$3" protocol="tcp"
	    TCP_Framing="$4" template="$5")
}
input(type="imfile" File="$corpus" Tag="siggen:" Facility="local0"
    Severity="info" ruleset="fwd")
EOF
}

# run NAME FRAMING TEMPLATE
run()
{
	r_name=$1
	set -- $(free_ports 1)
	r_port=$1
	r_alerts=$LIB_TMP/$r_name.alerts
	mkconf "$LIB_TMP/$r_name.conf" "$r_alerts"
	listener "$LIB_TMP/$r_name.conf" in tcp "$r_port"
	start_daemon "$LIB_TMP/$r_name.conf" "$r_name"

	r_dir=$LIB_TMP/$r_name.rsyslog
	mkdir "$r_dir"
	rsconf "$r_dir/rsyslog.conf" "$r_dir" "$r_port" "$R_FRAMING" \
	    "$R_TEMPLATE"
	if ! rsyslogd -N1 -f "$r_dir/rsyslog.conf" > "$r_dir/check" 2>&1; then
		bad "$r_name: rsyslogd -N1 refuses the configuration"
		sed 's/^/  /' "$r_dir/check" | head -n 10
		return
	fi
	rsyslogd -n -f "$r_dir/rsyslog.conf" -i "$r_dir/pid" \
	    > "$r_dir/out" 2>&1 &
	r_rs=$!
	lib_track "$r_rs"

	wait_count in messages ge "$nlines" 30 ||
		bad "$r_name: $GOT of $nlines messages arrived in 30s"
	if alive "$r_rs"; then
		ok "$r_name: rsyslogd still running"
		kill -TERM "$r_rs"
		reap "$r_rs" 10
		[ "$RC" -eq 0 ] || bad "$r_name: rsyslogd exited $RC"
	else
		reap "$r_rs" 1
		bad "$r_name: rsyslogd exited $RC early"
		sed 's/^/  /' "$r_dir/out" | head -n 10
	fi
	stop_daemon TERM
	expect "$r_name: messages" "$(lcount in messages)" eq "$nlines"
	expect "$r_name: accepted" "$(lcount in accepted)" eq 1
	for c in too_long bad_frame closed_mid_frame; do
		expect "$r_name: $c" "$(lcount in $c)" eq 0
	done
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

R_FRAMING=octet-counted R_TEMPLATE=t5424 run octet-5424
R_FRAMING=traditional R_TEMPLATE=t3164 run lf-3164

lib_done
