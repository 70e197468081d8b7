#!/bin/sh
# state-restart: the state_file carries the rules' state over a restart
# (issue 6, "Restart continuity"). A bad signature fact goes to one
# daemon, which stops (SIGTERM: saved at stop) or is killed (SIGKILL,
# after a periodic snapshot that holds the fact); the matching connection
# goes to the next daemon on the same file, and makes the alert. An
# imageload window open at SIGTERM is saved rather than reported early,
# and reported once after the restart. A state file that is not one is
# logged, moved to NAME.bad, and the daemon starts empty.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $(free_ports N) is split into words on purpose.
# shellcheck disable=SC2046
. "$(dirname "$0")/lib.sh"
lib_init state-restart

set -- $(free_ports 1)
port=$1

# cert SHA1CHAR: an MDE fact: the file is not signed.
cert()
{
	h=$(printf "%040d" 0 | tr 0 "$1")
	printf '{"category":"AdvancedHunting-DeviceFileCertificateInfo","properties":{"Timestamp":"2024-03-01T10:00:00Z","DeviceId":"ws01","DeviceName":"WS01","SHA1":"%s","IsSigned":false,"IsTrusted":false,"Signer":""}}\n' "$h"
}

# net SHA1CHAR: a connection of that file, five minutes later.
net()
{
	h=$(printf "%040d" 0 | tr 0 "$1")
	printf '{"category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2024-03-01T10:05:00Z","DeviceId":"ws01","DeviceName":"WS01","ActionType":"ConnectionSuccess","InitiatingProcessId":4242,"InitiatingProcessSHA1":"%s","InitiatingProcessFolderPath":"c:\\\\temp\\\\a.exe","RemoteIP":"81.2.69.142","RemotePort":443,"Protocol":"Tcp"}}\n' "$h"
}

# load HOST HH:MM:SS DLL: a Sysmon image load (NXLog) of DLL, signed by
# "Bad Corp" with an expired certificate: an imageload group.
load()
{
	printf '{"EventID":7,"SourceName":"Microsoft-Windows-Sysmon","Channel":"Microsoft-Windows-Sysmon/Operational","Hostname":"%s","UtcTime":"2024-03-01 %s.000","ProcessGuid":"{8E81973E-4D30-FF12-75EF-F57D47529194}","ProcessId":"1628","Image":"C:\\\\a.exe","ImageLoaded":"C:\\\\x\\\\%s","Hashes":"SHA1=7E62AA0A1DF9FD789C6539382B0537E65AFFB229","Signed":"true","Signature":"Bad Corp","SignatureStatus":"Expired"}\n' \
	    "$1" "$2" "$3"
}

# reports NAME DLL: imageload reports for DLL in NAME.alerts.
reports()
{
	grep -c "\"kind\":\"report\".*\"image_loaded\":\"C:\\\\\\\\x\\\\\\\\$2\"" \
	    "$LIB_TMP/$1.alerts" 2>/dev/null
}

# conf NAME STATE: a daemon writing alerts to NAME.alerts, state in STATE.
conf()
{
	mkconf "$LIB_TMP/$1.conf" "$LIB_TMP/$1.alerts" "state_file = $2" \
	    "snapshot_interval = 1s"
	listener "$LIB_TMP/$1.conf" in tcp "$port"
}

# send FILE: over one connection; then wait until the daemon counted it.
send()
{
	$PEER tcp "$port" "$1"
	wait_count in messages ge 1 20 || bad "message not counted: $GOT"
}

# logged WHAT: how many lines of the daemon's stderr hold WHAT.
logged()
{
	grep -c -F -e "$1" "$DAEMON_ERR"
}

# wait_log WHAT N [SECS]: until WHAT was logged more than N times.
wait_log()
{
	w_end=$(($(date +%s) + ${3:-20}))
	while [ "$(logged "$1")" -le "$2" ]; do
		if [ "$(date +%s)" -ge "$w_end" ]; then
			bad "no new \"$1\" in ${3:-20}s"
			tail -n 10 "$DAEMON_ERR" | sed 's/^/  | /'
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# alerted NAME SHA1CHAR: NAME.alerts has the one netjoin alert for that
# file, within 10 s.
alerted()
{
	h=$(printf "%040d" 0 | tr 0 "$2")
	n=0
	while [ "$n" -lt 100 ] && [ ! -s "$LIB_TMP/$1.alerts" ]; do
		sleep 0.1
		n=$((n + 1))
	done
	got=$(grep -c "\"rule\":\"netjoin\".*\"key\":\"$h\"" \
	    "$LIB_TMP/$1.alerts" 2>/dev/null)
	expect "$1: netjoin alerts for file $2" \
	    "${got:-0}" eq 1
}

cert a > "$LIB_TMP/cert.a"
net a > "$LIB_TMP/net.a"
cert b > "$LIB_TMP/cert.b"
net b > "$LIB_TMP/net.b"

# 1. SIGTERM: the fact is saved at stop, loaded at start.
conf term1 "$LIB_TMP/state1"
start_daemon "$LIB_TMP/term1.conf" term1
if grep -q "state1 does not exist yet" "$DAEMON_ERR"; then
	ok "term1: no state file: started empty"
else
	bad "term1: no \"does not exist yet\" notice"
fi
send "$LIB_TMP/cert.a"
stop_daemon TERM
expect "term1: saves at stop" "$(logged "state: saved")" ge 1
[ -s "$LIB_TMP/term1.alerts" ] && bad "term1: an alert from a fact alone"
conf term2 "$LIB_TMP/state1"
start_daemon "$LIB_TMP/term2.conf" term2
expect "term2: state loaded" "$(logged "state: loaded")" eq 1
send "$LIB_TMP/net.a"
alerted term2 a
stop_daemon TERM

# 2. SIGKILL after a periodic snapshot that holds the fact.
conf kill1 "$LIB_TMP/state2"
start_daemon "$LIB_TMP/kill1.conf" kill1
send "$LIB_TMP/cert.b"
# The fact is counted: the next save holds it.
wait_log "state: saved" "$(logged "state: saved")"
kill -KILL "$DAEMON_PID"
reap "$DAEMON_PID" 10
expect "kill1: killed by SIGKILL (128 + 9)" "$RC" eq 137
conf kill2 "$LIB_TMP/state2"
start_daemon "$LIB_TMP/kill2.conf" kill2
expect "kill2: state loaded" "$(logged "state: loaded")" eq 1
send "$LIB_TMP/net.b"
alerted kill2 b
stop_daemon TERM

# 3. An imageload window open at SIGTERM is saved, not reported early:
# it is reported once, by the next daemon, when its time has come.
{ load h1 10:00:00 bad.dll; load h2 10:01:00 bad.dll; } > "$LIB_TMP/loads1"
load h1 11:30:00 other.dll > "$LIB_TMP/loads2"
conf win1 "$LIB_TMP/state4"
start_daemon "$LIB_TMP/win1.conf" win1
send "$LIB_TMP/loads1"
stop_daemon TERM
expect "win1: first-seen alerts" "$(grep -c '"kind":"alert"' \
    "$LIB_TMP/win1.alerts")" eq 1
expect "win1: reports of the open window at stop" \
    "$(reports win1 bad.dll)" eq 0
conf win2 "$LIB_TMP/state4"
start_daemon "$LIB_TMP/win2.conf" win2
send "$LIB_TMP/loads2"
n=0
while [ "$(reports win2 bad.dll)" != 1 ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
expect "win2: reports of the window closed after the restart" \
    "$(reports win2 bad.dll)" eq 1
if grep -q '"executions":2,"hosts":2' "$LIB_TMP/win2.alerts"; then
	ok "win2: the report counts the loads of both daemons' time"
else
	bad "win2: the report does not count 2 executions on 2 hosts"
fi
stop_daemon TERM

# 4. A state file that is not one.
printf 'not a state file\n' > "$LIB_TMP/state3"
conf bad "$LIB_TMP/state3"
start_daemon "$LIB_TMP/bad.conf" bad
expect "bad: logged as moved aside" \
    "$(logged "state3: not a signetd state file (bad magic); moved to")" eq 1
printf 'not a state file\n' > "$LIB_TMP/state3.want"
if cmp -s "$LIB_TMP/state3.bad" "$LIB_TMP/state3.want"; then
	ok "bad: file kept as state3.bad"
else
	bad "bad: no state3.bad with the old content"
fi
daemon_alive "with a bad state file"
# It starts empty and works: a fact and its connection alert.
cat "$LIB_TMP/cert.a" "$LIB_TMP/net.a" > "$LIB_TMP/both.a"
send "$LIB_TMP/both.a"
alerted bad a
# A truncated real file (the previous one cut in half) is refused too.
stop_daemon TERM
size=$(wc -c < "$LIB_TMP/state3" | tr -d ' ')
head -c $((size / 2)) "$LIB_TMP/state3" > "$LIB_TMP/state3.cut"
mv "$LIB_TMP/state3.cut" "$LIB_TMP/state3"
conf bad2 "$LIB_TMP/state3"
start_daemon "$LIB_TMP/bad2.conf" bad2
expect "bad2: truncated file moved aside" \
    "$(logged "checksum mismatch (corrupt or truncated); moved to")" eq 1
stop_daemon TERM

lib_done
