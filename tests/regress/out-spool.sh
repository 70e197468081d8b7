#!/bin/sh
# out-spool: a webhook receiver that is down for OUT_OUTAGE seconds (5 in
# make check; the acceptance run uses 30) loses nothing with a spool,
# also when signetd is killed with kill -9 during the outage:
#  1. --replay with the receiver down: every alert ends in the spool;
#  2. the daemon starts on that spool, takes the demo corpus again over
#     TCP (more alerts, spooled live), and is killed with kill -9;
#  3. it starts again, the receiver comes back on the same port, and
#     every alert of 1 and 2 arrives exactly once, in order.
#
# Environment: SIGNETD, TOP, PYTHON3 (set by make check); OUT_OUTAGE.

. "$(dirname "$0")/outlib.sh"

: "${OUT_OUTAGE:=5}"
start=$(date +%s)

# The receiver's port, found by starting it once; then it goes down.
hook probe
port=$(cat "$tmp/probe.port")
stop "$hook_pid"
lport=$("$PYTHON3" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$tmp/spool.conf" <<EOC
[signetd]
stop_timeout = 3s
stats_interval = 1s
allow_root = yes

[listen t]
proto = tcp
address = 127.0.0.1
port = $lport

[output file]
type = file
format = json
path = $tmp/alerts.json

[output hook]
type = webhook
format = json
url = http://127.0.0.1:$port/
spool = $tmp/spool
backoff_min = 200ms
backoff_max = 1s
connect_timeout = 1s
EOC

# 1. A replay while the receiver is down.
replay "$tmp/spool.conf" a
[ "$rc" -eq 0 ] || bad "replay: exit $rc"
n1=$(wc -l <"$tmp/alerts.json")
[ "$(stat "$tmp/a.err" hook spooled)" = "$n1" ] || bad "replay: spooled"
[ "$(stat "$tmp/a.err" hook sent)" = 0 ] || bad "replay: sent"
[ "$(stat "$tmp/a.err" hook depth)" = "$n1" ] || bad "replay: depth"

# 2. The daemon on that spool, fed live, then killed.
"$SIGNETD" -c "$tmp/spool.conf" 2>"$tmp/d1.err" &
d1=$!
pids="$pids $d1"
i=0
until grep -q "listening: t:" "$tmp/d1.err" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$PYTHON3" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(open(sys.argv[2], "rb").read())
s.close()' "$lport" "$DEMO" || bad "could not feed the daemon"
# Until the file output stops growing: all of it went through.
prev=-1
cur=$(wc -l <"$tmp/alerts.json")
while [ "$cur" -ne "$prev" ]; do
	sleep 1
	prev=$cur
	cur=$(wc -l <"$tmp/alerts.json")
done
[ "$cur" -gt "$n1" ] || bad "the live feed raised no alert"
kill -9 "$d1"
wait "$d1" 2>/dev/null

# 3. Restart; the receiver is back once the outage is over.
"$SIGNETD" -c "$tmp/spool.conf" 2>"$tmp/d2.err" &
d2=$!
pids="$pids $d2"
left=$((start + OUT_OUTAGE - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
hook back --port "$port"
total=$(wc -l <"$tmp/alerts.json")
i=0
until [ "$(wc -l <"$tmp/back.log")" -ge "$total" ] || [ $i -ge 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
stop "$d2"
"$PYTHON3" "$CHECK" same "$tmp/back.log" "$tmp/alerts.json" ordered + \
    count "$tmp/back.log" "$total" || bad "what the receiver got"
grep -q "alerts in the spool to deliver" "$tmp/d2.err" ||
    bad "the restart did not find the spool"
[ "$(stat "$tmp/d2.err" hook sent)" = "$total" ] || bad "restart: sent"
[ "$(stat "$tmp/d2.err" hook depth)" = 0 ] || bad "restart: depth"

exit $fail
