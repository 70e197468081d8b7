#!/bin/sh
# metrics: a live signetd with a TCP listener and [metrics] on loopback
# gets a known stream (the bundled demo corpus and 7 lines of broken
# JSON); a scrape of GET /metrics then shows the numbers that were sent:
# messages, bytes and connections of the listener, records by source
# and kind, skips by reason, the alerts the output wrote by rule and
# severity. SIGUSR1 prints the same samples, the replay report of the
# same input the same record counts; another path is a 404, another
# method a 405; a reload moves the server; a second daemon whose metrics
# port is taken refuses to start.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $PEER and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init metrics

NBROKEN=7
stream=$LIB_TMP/stream
cp "$TOP/tests/data/demo.jsonl" "$stream"
n=0
while [ "$n" -lt "$NBROKEN" ]; do
	printf '{"broken": %d\n' "$n" >> "$stream"
	n=$((n + 1))
done
nlines=$(lines "$stream")
nbytes=$(wc -c < "$stream" | tr -d ' ')

# The scraper: urllib, a 10 s timeout per request.
cat > "$LIB_TMP/scrape.py" <<'EOF'
import sys, urllib.error, urllib.request


def fetch(method, url):
    req = urllib.request.Request(url, method=method,
                                 data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def main(a):
    if a[0] == "code":
        try:
            print(fetch(a[1], a[2])[0])
        except OSError:
            print(0)    # nothing listens
        return 0
    code, ctype, body = fetch("GET", a[1])
    if code != 200:
        print("HTTP %d" % code)
        return 1
    if a[0] == "type":
        print(ctype)
        return 0
    # samples: the sample lines, as they are
    for line in body.decode("utf-8").splitlines():
        if not line.startswith("#"):
            print(line)
    return 0


sys.exit(main(sys.argv[1:]))
EOF
scrape()
{
	"$PYTHON3" "$LIB_TMP/scrape.py" samples "http://127.0.0.1:$1/metrics"
}

# sample FILE NAME: the value of the sample NAME (with its labels), or ?.
sample()
{
	N=$2 awk '
	{ i = length($0) - length($NF) }
	substr($0, 1, i - 1) == ENVIRON["N"] { v = $NF }
	END { print (v == "" ? "?" : v) }' "$1"
}

# stable FILE: FILE less the samples that move with the clock.
stable()
{
	grep -v '^signetd_uptime_seconds ' "$1"
}

set -- $(free_ports 3)
port=$1 mport=$2 mport2=$3
alerts=$LIB_TMP/alerts
conf=$LIB_TMP/metrics.conf
mkconf "$conf" "$alerts"
listener "$conf" in tcp "$port"
printf '\n[metrics]\nlisten = 127.0.0.1:%s\n' "$mport" >> "$conf"
start_daemon "$conf"
if grep -q "^signetd: metrics: serving http://127.0.0.1:$mport/metrics" \
    "$DAEMON_ERR"; then
	ok "logs where it serves the metrics"
else
	bad "no \"metrics: serving\" line"
fi

# Before any input: the families are there, at zero.
if scrape "$mport" > "$LIB_TMP/s0"; then
	ok "scrape before input"
else
	bad "scrape before input: $(cat "$LIB_TMP/s0")"
fi
expect "before input: messages" \
    "$(sample "$LIB_TMP/s0" signetd_messages_total)" eq 0
if grep -q '^signetd_build_info{version="[^"]*"} 1$' "$LIB_TMP/s0"; then
	ok "build_info: $(grep '^signetd_build_info' "$LIB_TMP/s0")"
else
	bad "no signetd_build_info{version=...} 1"
fi
ctype=$("$PYTHON3" "$LIB_TMP/scrape.py" type "http://127.0.0.1:$mport/metrics")
if [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]; then
	ok "Content-Type: $ctype"
else
	bad "Content-Type: $ctype"
fi

bounded 40 /dev/null "$LIB_TMP/tcp.out" $PEER tcp "$port" "$stream"
[ "$RC" -eq 0 ] || bad "the TCP peer exited $RC"
wait_done in messages "$nlines" 1 30 ||
	bad "$GOT of $nlines messages arrived"

# The scrape, once the alerts have settled: two scrapes alike, and the
# output file holding as many alerts as they count.
n=0
while :; do
	scrape "$mport" > "$LIB_TMP/s1"
	"$PYTHON3" - "$alerts" > "$LIB_TMP/want.alerts" <<'EOF'
import collections, json, sys
n = collections.Counter()
try:
    with open(sys.argv[1]) as f:
        for line in f:
            a = json.loads(line)
            n[(a["rule"], a["severity"])] += 1
except FileNotFoundError:
    pass
for rule in ("netjoin", "imageload"):
    for sev in ("info", "low", "medium", "high", "critical"):
        print('signetd_alerts_total{rule="%s",severity="%s"} %d'
              % (rule, sev, n[(rule, sev)]))
EOF
	scrape "$mport" > "$LIB_TMP/s2"
	grep '^signetd_alerts_total{' "$LIB_TMP/s2" > "$LIB_TMP/got.alerts"
	stable "$LIB_TMP/s1" > "$LIB_TMP/s1.stable"
	stable "$LIB_TMP/s2" > "$LIB_TMP/s2.stable"
	cmp -s "$LIB_TMP/s1.stable" "$LIB_TMP/s2.stable" &&
	    cmp -s "$LIB_TMP/want.alerts" "$LIB_TMP/got.alerts" && break
	n=$((n + 1))
	[ "$n" -ge 20 ] && break
	sleep 0.5
done
s=$LIB_TMP/s2

expect "listener messages" \
    "$(sample "$s" 'signetd_listen_messages_total{listener="in"}')" \
    eq "$nlines"
expect "listener bytes" \
    "$(sample "$s" 'signetd_listen_bytes_total{listener="in"}')" \
    eq "$nbytes"
expect "listener connections accepted" "$(sample "$s" \
    'signetd_listen_connections_accepted_total{listener="in"}')" eq 1
expect "listener connections active" "$(sample "$s" \
    'signetd_listen_connections_active{listener="in"}')" eq 0
expect "listener connections refused (limit)" "$(sample "$s" \
    'signetd_listen_connections_refused_total{listener="in",reason="limit"}')" \
    eq 0
expect "messages" "$(sample "$s" signetd_messages_total)" eq "$nlines"
expect "skipped: not_json" "$(sample "$s" \
    'signetd_records_skipped_total{reason="not_json"}')" eq "$NBROKEN"
expect "skipped: ignored (Sysmon IDs not used)" "$(sample "$s" \
    'signetd_records_skipped_total{reason="ignored"}')" eq 18
expect "skipped: unknown_source" "$(sample "$s" \
    'signetd_records_skipped_total{reason="unknown_source"}')" eq 2
expect "records: mde cert" "$(sample "$s" \
    'signetd_records_total{source="mde",kind="cert"}')" eq 5
expect "records: mde net" "$(sample "$s" \
    'signetd_records_total{source="mde",kind="net"}')" eq 44
expect "records: sysmon proc" "$(sample "$s" \
    'signetd_records_total{source="sysmon",kind="proc"}')" eq 29
expect "records: sysmon net" "$(sample "$s" \
    'signetd_records_total{source="sysmon",kind="net"}')" eq 85
expect "records: sysmon load" "$(sample "$s" \
    'signetd_records_total{source="sysmon",kind="load"}')" eq 119
if cmp -s "$LIB_TMP/want.alerts" "$LIB_TMP/got.alerts"; then
	ok "alerts by rule and severity: as many as the output wrote" \
	    "($(lines "$alerts"))"
else
	bad "alerts by rule and severity differ from the output's file"
	diff "$LIB_TMP/want.alerts" "$LIB_TMP/got.alerts" | sed 's/^/  /'
fi
nalerts=$(lines "$alerts")
expect "alerts written" "$nalerts" gt 0
expect "output o: sent" \
    "$(sample "$s" 'signetd_output_sent_total{output="o"}')" eq "$nalerts"
expect "output o: dropped" \
    "$(sample "$s" 'signetd_output_dropped_total{output="o"}')" eq 0

# HELP and TYPE once per family, counters named *_total.
if "$PYTHON3" - "http://127.0.0.1:$mport/metrics" > "$LIB_TMP/fam.out" \
    2>&1 <<'EOF'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
helps, types, bad = {}, {}, []
for line in text.splitlines():
    m = re.match(r"# (HELP|TYPE) (\S+) (.*)", line)
    if m:
        d = helps if m.group(1) == "HELP" else types
        if m.group(2) in d:
            bad.append("%s twice for %s" % (m.group(1), m.group(2)))
        d[m.group(2)] = m.group(3)
        continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\d+)$', line)
    if not m or m.group(1) not in types:
        bad.append("sample without TYPE before it: " + line)
for name, t in types.items():
    if (t == "counter") != name.endswith("_total") or \
            t not in ("counter", "gauge") or name not in helps:
        bad.append("family %s: %s" % (name, t))
print("\n".join(bad) if bad else "%d families" % len(types))
sys.exit(1 if bad else 0)
EOF
then
	ok "exposition format: $(cat "$LIB_TMP/fam.out")"
else
	bad "exposition format:"
	head -n 10 "$LIB_TMP/fam.out" | sed 's/^/  /'
fi

# Other paths and methods.
expect "GET /other" "$("$PYTHON3" "$LIB_TMP/scrape.py" code GET \
    "http://127.0.0.1:$mport/other")" eq 404
expect "POST /metrics" "$("$PYTHON3" "$LIB_TMP/scrape.py" code POST \
    "http://127.0.0.1:$mport/metrics")" eq 405

# Hostile scrapers: idle connections, one that stops mid-line, one with
# 64 KiB of headers. A scrape next to them is answered at once; the big
# request gets an error, not the metrics.
if "$PYTHON3" - "$mport" > "$LIB_TMP/hostile.out" 2>&1 <<'EOF'
import socket, sys, time, urllib.request
port = int(sys.argv[1])
idle = [socket.create_connection(("127.0.0.1", port), timeout=10)
        for _ in range(10)]
idle[0].sendall(b"GET /metr")
big = socket.create_connection(("127.0.0.1", port), timeout=10)
try:
    big.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" +
                b"X-Filler: " + b"a" * 65536 + b"\r\n\r\n")
    answer = big.recv(64)
except OSError:
    answer = b""
t0 = time.monotonic()
body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                              timeout=10).read()
dt = time.monotonic() - t0
ok = b"signetd_messages_total" in body and dt < 5 and \
    not answer.startswith(b"HTTP/1.1 200")
print("scrape in %.2fs beside 11 hostile connections; big headers: %r"
      % (dt, answer[:12]))
sys.exit(0 if ok else 1)
EOF
then
	ok "$(cat "$LIB_TMP/hostile.out")"
else
	bad "hostile scrapers:"
	sed 's/^/  /' "$LIB_TMP/hostile.out" | tail -n 5
fi
daemon_alive "after the hostile scrapers"

# SIGUSR1 prints the same samples as a scrape before and after it, once
# two such scrapes agree.
n=0
while :; do
	scrape "$mport" > "$LIB_TMP/a"
	before=$(grep -c '^signetd: metric ' "$DAEMON_ERR")
	snapshot || bad "no SIGUSR1 block"
	grep '^signetd: metric ' "$DAEMON_ERR" | tail -n "+$((before + 1))" |
	    sed 's/^signetd: metric //' > "$LIB_TMP/usr1"
	scrape "$mport" > "$LIB_TMP/b"
	stable "$LIB_TMP/a" > "$LIB_TMP/a.stable"
	stable "$LIB_TMP/b" > "$LIB_TMP/b.stable"
	cmp -s "$LIB_TMP/a.stable" "$LIB_TMP/b.stable" && break
	n=$((n + 1))
	[ "$n" -ge 10 ] && break
done
if stable "$LIB_TMP/usr1" | cmp -s - "$LIB_TMP/b.stable"; then
	ok "SIGUSR1 shows the scrape's samples ($(lines "$LIB_TMP/usr1"))"
else
	bad "SIGUSR1 and the scrape differ"
	stable "$LIB_TMP/usr1" | diff - "$LIB_TMP/b.stable" | head -n 10 |
	    sed 's/^/  /'
fi

# A second daemon, its metrics port taken by the first: it must not start.
set -- $(free_ports 1)
conf2=$LIB_TMP/taken.conf
mkconf "$conf2" "$LIB_TMP/alerts2"
listener "$conf2" in2 tcp "$1"
printf '\n[metrics]\nlisten = 127.0.0.1:%s\n' "$mport" >> "$conf2"
bounded 20 /dev/null "$LIB_TMP/taken.err" "$SIGNETD" -c "$conf2"
if [ "$RC" -eq 1 ] && grep -q "metrics: cannot listen on 127.0.0.1:$mport" \
    "$LIB_TMP/taken.err"; then
	ok "metrics port taken: refuses to start, and says why"
else
	bad "metrics port taken: exit $RC"
	tail -n 5 "$LIB_TMP/taken.err" | sed 's/^/  /'
fi

# SIGHUP with another [metrics] listen moves the server.
sed "s/^listen = 127.0.0.1:$mport\$/listen = 127.0.0.1:$mport2/" "$conf" \
    > "$conf.new" && mv "$conf.new" "$conf"
kill -HUP "$DAEMON_PID"
n=0
while ! grep -q "^signetd: metrics: serving http://127.0.0.1:$mport2/" \
    "$DAEMON_ERR" && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
if scrape "$mport2" > "$LIB_TMP/moved" &&
    [ "$(sample "$LIB_TMP/moved" signetd_messages_total)" = "$nlines" ]; then
	ok "SIGHUP moved the metrics to port $mport2"
else
	bad "no metrics on port $mport2 after SIGHUP"
fi
expect "old metrics port after the move" "$("$PYTHON3" "$LIB_TMP/scrape.py" \
    code GET "http://127.0.0.1:$mport/metrics")" eq 0

stop_daemon TERM

# The replay of the same input reports the same record counts.
replay "$conf" "$stream" "$LIB_TMP/replay.alerts"
fams='signetd_messages_total |signetd_message_bytes_total |signetd_records_'
sed -n 's/^signetd: metric //p' "$LIB_TMP/replay.alerts.err" |
    grep -E "^($fams)" > "$LIB_TMP/replay.rec"
grep -E "^($fams)" "$LIB_TMP/b" > "$LIB_TMP/live.rec"
if [ -s "$LIB_TMP/live.rec" ] &&
    cmp -s "$LIB_TMP/replay.rec" "$LIB_TMP/live.rec"; then
	ok "the replay report shows the scrape's record counts" \
	    "($(lines "$LIB_TMP/live.rec") samples)"
else
	bad "the replay report and the scrape differ"
	diff "$LIB_TMP/replay.rec" "$LIB_TMP/live.rec" | head -n 10 |
	    sed 's/^/  /'
fi

lib_done
