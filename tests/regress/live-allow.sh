#!/bin/sh
# live-allow: `allow' per listener. One daemon, four listeners:
#   deny-tcp	tcp, allow = 10.0.0.0/8: 127.0.0.1 is outside, so each
#		connection is closed at accept, unread, and counted
#   deny-udp	udp, allow = 10.0.0.0/8: each datagram dropped and counted
#   lo		tcp, allow = 127.0.0.0/8: served
#   open	tcp, no allow: logger sends the corpus, served
# The refused senders send corpus lines: had any got through, the alerts
# would not be the replay's. The drops show in the interval summaries
# too (stats_interval = 1s). Only loopback is ever sent to; 10.0.0.0/8
# is just a prefix in the configuration.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $PEER, $HOSTILE and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init live-allow
need logger bsdutils

gen corpus --seed 341 --events 2000
corpus=$LIB_TMP/corpus
nlines=$(lines "$corpus")
mkconf "$LIB_TMP/ref.conf" "$LIB_TMP/unused"
replay "$LIB_TMP/ref.conf" "$corpus" "$LIB_TMP/replay.alerts"

set -- $(free_ports 4)
p_dtcp=$1 p_dudp=$2 p_lo=$3 p_open=$4
conf=$LIB_TMP/allow.conf
mkconf "$conf" "$LIB_TMP/live.alerts" "stats_interval = 1s"
listener "$conf" deny-tcp tcp "$p_dtcp" "allow = 10.0.0.0/8"
listener "$conf" deny-udp udp "$p_dudp" "allow = 10.0.0.0/8"
listener "$conf" lo tcp "$p_lo" "allow = 127.0.0.0/8"
listener "$conf" open tcp "$p_open"
start_daemon "$conf" allow

for i in 1 2 3; do
	bounded 10 /dev/null "$LIB_TMP/refused.$i" \
	    $PEER refused "$p_dtcp" tcp "$corpus" 50
	if [ "$RC" -eq 0 ]; then
		ok "deny-tcp: connection $i closed unanswered"
	else
		bad "deny-tcp: connection $i: $(cat "$LIB_TMP/refused.$i")"
	fi
done
bounded 10 /dev/null "$LIB_TMP/refused.udp" \
    $PEER refused "$p_dudp" udp "$corpus" 40
[ "$RC" -eq 0 ] || bad "deny-udp: peer exited $RC"

printf '{"allowed":%d}\n' 1 2 3 4 5 > "$LIB_TMP/lo.lines"
bounded 10 /dev/null "$LIB_TMP/lo.peer" $PEER tcp "$p_lo" "$LIB_TMP/lo.lines"
[ "$RC" -eq 0 ] || bad "lo: peer exited $RC"

bounded 40 /dev/null "$LIB_TMP/logger.out" logger -n 127.0.0.1 \
    -P "$p_open" -T --octet-count -S 65000 -t siggen -f "$corpus"
[ "$RC" -eq 0 ] || bad "open: logger exited $RC"

wait_done open messages "$nlines" 1 ||
	bad "open: $GOT of $nlines messages arrived"
wait_count deny-udp refused_allow ge 40 5 ||
	bad "deny-udp: $GOT of 40 datagrams refused in 5s"
wait_done lo messages 5 1 || bad "lo: $GOT of 5 messages arrived"
daemon_alive "after the refused senders"

wait_summed deny-tcp refused connections allow 3
expect "deny-tcp: summary \"refused N connections ... (allow)\"" \
    "$GOT" eq 3
wait_summed deny-udp dropped datagrams allow 40
expect "deny-udp: summary \"dropped N datagrams ... (allow)\"" \
    "$GOT" eq 40

stop_daemon TERM
expect "deny-tcp: refused_allow" "$(lcount deny-tcp refused_allow)" eq 3
expect "deny-tcp: accepted" "$(lcount deny-tcp accepted)" eq 0
expect "deny-tcp: messages" "$(lcount deny-tcp messages)" eq 0
expect "deny-tcp: bytes" "$(lcount deny-tcp bytes)" eq 0
expect "deny-udp: refused_allow" "$(lcount deny-udp refused_allow)" eq 40
expect "deny-udp: messages" "$(lcount deny-udp messages)" eq 0
expect "lo: accepted" "$(lcount lo accepted)" eq 1
expect "lo: refused_allow" "$(lcount lo refused_allow)" eq 0
expect "lo: messages" "$(lcount lo messages)" eq 5
expect "open: refused_allow" "$(lcount open refused_allow)" eq 0
expect "open: messages" "$(lcount open messages)" eq "$nlines"
expect "messages in the pipeline" "$(gcount messages)" eq $((nlines + 5))
same_alerts "open" "$LIB_TMP/live.alerts" "$LIB_TMP/replay.alerts"

lib_done
