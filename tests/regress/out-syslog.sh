#!/bin/sh
# out-syslog: signetd --replay sends the demo corpus's alerts to rsyslog
# (started here, on loopback) over UDP, TCP (octet counting) and TLS;
# rsyslog writes each message raw and as it parsed it, and the test
# reads both back: every alert once per transport, the RFC 5424 header
# (PRI from facility and severity, APP-NAME, PROCID, MSGID), the
# structured-data element and the JSON message intact. CEF and LEEF
# messages over TCP arrive one per alert, whole. RFC 3164 messages reach
# a unix datagram socket (a stand-in for /dev/log). A TLS target reached
# by an address its certificate does not name is refused.
#
# Environment: SIGNETD, TOP, PYTHON3 (set by make check).

. "$(dirname "$0")/outlib.sh"

RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
if [ ! -x "$RSYSLOGD" ]; then
	echo "out-syslog: no rsyslogd (tools/bootstrap.sh installs it): skipped"
	exit 77
fi
ossl=
for f in /usr/lib/*/rsyslog/lmnsd_ossl.so /usr/lib/rsyslog/lmnsd_ossl.so; do
	[ -f "$f" ] && ossl=$f
done
if [ -z "$ossl" ]; then
	echo "out-syslog: no rsyslog-openssl: skipped"
	exit 77
fi

certs
ports=$("$PYTHON3" -c 'import socket
ss = []
for k in (socket.SOCK_DGRAM, socket.SOCK_STREAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, k)
    s.bind(("127.0.0.1", 0))
    ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))')
set -- $ports
up=$1 tp=$2 sp=$3
mkdir "$tmp/rs"

cat >"$tmp/rsyslog.conf" <<EOC
global(workDirectory="$tmp/rs"
    maxMessageSize="64k"
    defaultNetstreamDriverCAFile="$tmp/ca.crt"
    defaultNetstreamDriverCertFile="$tmp/srv.crt"
    defaultNetstreamDriverKeyFile="$tmp/srv.key")
module(load="imudp")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
template(name="parsed" type="string"
    string="%app-name%|%msgid%|%structured-data%|%msg%\n")
EOC
for t in udp tcp tls; do
	cat >>"$tmp/rsyslog.conf" <<EOC
ruleset(name="$t") {
	if \$app-name == "signetd-cef" then {
		action(type="omfile" file="$tmp/raw-cef.log" template="raw")
		stop
	}
	if \$app-name == "signetd-leef" then {
		action(type="omfile" file="$tmp/raw-leef.log" template="raw")
		stop
	}
	action(type="omfile" file="$tmp/raw-$t.log" template="raw")
	action(type="omfile" file="$tmp/parsed-$t.log" template="parsed")
}
EOC
done
cat >>"$tmp/rsyslog.conf" <<EOC
input(type="imudp" address="127.0.0.1" port="$up" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$tp" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="$sp" ruleset="tls"
    streamDriver.name="ossl" streamDriver.mode="1"
    streamDriver.authMode="anon")
EOC

"$RSYSLOGD" -n -f "$tmp/rsyslog.conf" -i "$tmp/rs/pid" \
    >"$tmp/rsyslogd.out" 2>&1 &
rpid=$!
pids="$pids $rpid"

# Until rsyslog listens on the three ports (/proc/net: 0A is LISTEN).
listening()
{
	grep -qi ":$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp
}
i=0
until listening "$tp" && listening "$sp" || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
listening "$sp" || { bad "rsyslogd did not start"; cat "$tmp/rsyslogd.out";
    exit 1; }

# A unix datagram socket, as /dev/log is: each datagram one line.
"$PYTHON3" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
out = open(sys.argv[2], "ab")
end = time.time() + 60
while time.time() < end:
    try:
        out.write(s.recv(65536) + b"\n")
        out.flush()
    except socket.timeout:
        pass' "$tmp/log.sock" "$tmp/raw-unix.log" &
pids="$pids $!"
i=0
until [ -S "$tmp/log.sock" ] || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

cat >"$tmp/syslog.conf" <<EOC
[signetd]
stop_timeout = 20s

[output file]
type = file
format = json
path = $tmp/alerts.json
EOC
for o in "udp udp://127.0.0.1:$up" "tcp tcp://127.0.0.1:$tp" \
    "tls tls://localhost:$sp"; do
	set -- $o
	cat >>"$tmp/syslog.conf" <<EOC

[output $1]
type = syslog
format = json
target = $2
facility = local0
ca_file = $tmp/ca.crt
backoff_min = 100ms
EOC
done
for f in cef leef; do
	cat >>"$tmp/syslog.conf" <<EOC

[output $f]
type = syslog
format = $f
target = tcp://127.0.0.1:$tp
app_name = signetd-$f
EOC
done
cat >>"$tmp/syslog.conf" <<EOC

[output unix]
type = syslog
format = json
target = unix:$tmp/log.sock
protocol = rfc3164
facility = auth

[output tlsbad]
type = syslog
format = json
target = tls://127.0.0.1:$sp
ca_file = $tmp/ca.crt
max_retries = 0
EOC
replay "$tmp/syslog.conf"
[ "$rc" -eq 0 ] || bad "replay: exit $rc"
n=$(wc -l <"$tmp/alerts.json")
for t in udp tcp tls; do
	[ "$(stat "$tmp/replay.err" "$t" sent)" = "$n" ] || bad "$t: sent"
	i=0
	until [ "$(cat "$tmp/parsed-$t.log" 2>/dev/null | wc -l)" -ge "$n" ] ||
	    [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
done
for f in cef leef unix; do
	i=0
	until [ "$(cat "$tmp/raw-$f.log" 2>/dev/null | wc -l)" -ge "$n" ] ||
	    [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
done
stop "$rpid"
[ "$(grep -c "^<1[0-4]>1 .* signetd-cef [0-9]* [a-z]* \[signetd@32473 .*\] \
CEF:0|signetd|signetd|[^|]*|[a-z-]*|[^|]*|[0-9]*|rt=" "$tmp/raw-cef.log")" = "$n" ] ||
    bad "cef: $(wc -l <"$tmp/raw-cef.log") lines, want $n CEF lines"
[ "$(grep -c "\] LEEF:2.0|signetd|signetd|[^|]*|[a-z-]*|x09|devTime=" \
    "$tmp/raw-leef.log")" = "$n" ] ||
    bad "leef: $(wc -l <"$tmp/raw-leef.log") lines, want $n LEEF lines"
[ "$(stat "$tmp/replay.err" tlsbad sent)" = 0 ] || bad "tlsbad: sent"
grep -q 'output tlsbad: .*last_error ".*certificate refused' \
    "$tmp/replay.err" || bad "tlsbad: not refused for its certificate"
set --
for t in udp tcp tls; do
	touch "$tmp/raw-$t.log" "$tmp/parsed-$t.log"
	set -- "$@" syslog "$tmp/raw-$t.log" "$tmp/parsed-$t.log" \
	    "$tmp/alerts.json" +
done
touch "$tmp/raw-unix.log"
"$PYTHON3" "$CHECK" "$@" bsd "$tmp/raw-unix.log" "$tmp/alerts.json" ||
    bad "what rsyslog and the unix socket got"

exit $fail
