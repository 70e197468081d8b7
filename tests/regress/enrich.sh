#!/bin/sh
# enrich: signetd --replay of tests/data/enrich/stream.jsonl (MDE records,
# 5 bad signature facts then 9 connections to addresses in and out of
# MaxMind's test databases) with GeoIP, allowlists inline and in a list
# file, a severity map and an ASN escalation. Checks:
#  (a) exactly the 4 connections no allow entry names raise alerts;
#  (b) each alert's "geo" is what mmdblookup gives for its remote_ip in
#      the same databases, and there is no "geo" where it gives nothing;
#  (c) the severities: Unsigned is medium, AS1221 escalates to critical;
#  (d) the text output carries the same GeoIP fields;
#  (e) the counters: suppressed per scope and kind, every entry's hits;
#  (f) signetd -t says what the lists hold, and refuses a broken database.
#
# Environment: SIGNETD (the daemon), TOP (source tree), PYTHON3.

: "${PYTHON3:=python3}"
if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "enrich: SIGNETD unset or not executable: skipped"
	exit 77
fi
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
if ! command -v mmdblookup >/dev/null 2>&1; then
	echo "FAIL enrich: mmdblookup not found: install the Debian package" \
	    "mmdb-bin (tools/bootstrap.sh does)"
	exit 1
fi
MMDB=$TOP/tests/data/mmdb
STREAM=$TOP/tests/data/enrich/stream.jsonl

tmp=$(mktemp -d "${TMPDIR:-/tmp}/enrich.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
fail=0

bad()
{
	echo "FAIL enrich: $*"
	fail=1
}

cat > "$tmp/allow.list" <<'EOF'
# the update checker of ws01
sha1 dddddddddddddddddddddddddddddddddddddddd
EOF
cat > "$tmp/conf" <<EOF
[rule netjoin]
suppress = 0

[allow]
signer = Contoso Test*

[allow netjoin]
country = SE
domain = example.net
file = $tmp/allow.list

[geoip]
city = $MMDB/GeoIP2-City-Test.mmdb
asn = $MMDB/GeoLite2-ASN-Test.mmdb

[severity]
medium = Unsigned
escalate_asn = AS1221

[output json]
type = stdout
format = json

[output text]
type = file
format = text
path = $tmp/alerts.txt
EOF

"$SIGNETD" -c "$tmp/conf" --replay "$STREAM" >"$tmp/alerts.json" \
    2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || bad "replay: exit $rc"

# (a) to (c): the JSON alerts, against mmdblookup.
"$PYTHON3" - "$tmp/alerts.json" "$MMDB" <<'EOF' || fail=1
import json
import subprocess
import sys

alerts, mmdb = sys.argv[1], sys.argv[2]
city = mmdb + "/GeoIP2-City-Test.mmdb"
asn = mmdb + "/GeoLite2-ASN-Test.mmdb"
bad = 0


def fail(msg):
    global bad
    print("FAIL enrich: " + msg)
    bad = 1


def lookup(db, ip, *path):
    """What mmdblookup prints for ip and path in db, or None."""
    p = subprocess.run(["mmdblookup", "--file", db, "--ip", ip] +
                       list(path), capture_output=True, text=True)
    if p.returncode != 0:
        return None
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith('"'):
            return line[1:line.rindex('"')]
        if line[:1].isdigit():
            return int(line.split()[0])
    return None


want = {
    "81.2.69.142": "medium",
    "1.128.0.1": "critical",
    "8.8.8.8": "medium",
    "2001:218::1": "medium",
}
got = {}
with open(alerts, encoding="utf-8") as f:
    for line in f:
        o = json.loads(line)
        if o["kind"] != "alert" or o["rule"] != "netjoin":
            fail("unexpected alert: " + line.strip())
            continue
        ip = o["network"]["remote_ip"]
        got[ip] = o
if sorted(got) != sorted(want):
    fail("alerts for %s, want %s" % (sorted(got), sorted(want)))
for ip, o in got.items():
    if o["severity"] != want.get(ip):
        fail("%s: severity %s, want %s" % (ip, o["severity"], want.get(ip)))
    exp = {
        "country_iso": lookup(city, ip, "country", "iso_code"),
        "country": lookup(city, ip, "country", "names", "en"),
        "city": lookup(city, ip, "city", "names", "en"),
        "asn": lookup(asn, ip, "autonomous_system_number"),
        "as_org": lookup(asn, ip, "autonomous_system_organization"),
    }
    exp = {k: v for k, v in exp.items() if v is not None}
    geo = o.get("geo")
    if not exp:
        if geo is not None:
            fail("%s: geo %s, but mmdblookup knows nothing" % (ip, geo))
    elif geo != exp:
        fail("%s: geo %s, mmdblookup %s" % (ip, geo, exp))
    if ip != "8.8.8.8" and not exp:
        fail("%s: mmdblookup found nothing: test data changed?" % ip)
    # The keys in their documented order.
    keys = list(o)
    if "geo" in o and keys.index("geo") != keys.index("network") + 1:
        fail("%s: geo does not follow network: %s" % (ip, keys))
sys.exit(bad)
EOF

# (d) the text lines.
grep -q ' remote=81\.2\.69\.142:443 country_iso="GB" city="London" status=' \
    "$tmp/alerts.txt" || bad "text: no GB London line"
grep -q ' MEDIUM netjoin .* remote=\[2001:218::1\]:8443 country_iso="JP" status=' \
    "$tmp/alerts.txt" || bad "text: no JP line"
grep -q ' CRITICAL netjoin .* remote=1\.128\.0\.1:443 asn=1221 as_org="Telstra Pty Ltd" status=' \
    "$tmp/alerts.txt" || bad "text: no AS1221 line"
grep -q ' remote=8\.8\.8\.8:53 status=' "$tmp/alerts.txt" ||
    bad "text: 8.8.8.8 with geo fields"
[ "$(wc -l < "$tmp/alerts.txt")" -eq 4 ] || bad "text: not 4 lines"

# (e) the counters.
for want in \
    "signetd: enrich: alerts 9 sent 4 suppressed 5 escalated 1 reloads 0" \
    "signetd: geoip: lookups 9 cached 1 found 8 not_found 1 errors 0" \
    "signetd: allow all: suppressed signer 2" \
    "signetd: allow netjoin: suppressed sha1 1 domain 1 country 1" \
    "signetd: allow all signer \"Contoso Test*\": hits 2 ($tmp/conf:4)" \
    "signetd: allow netjoin domain \"example.net\": hits 1 ($tmp/conf:7)" \
    "signetd: allow netjoin country \"SE\": hits 1 ($tmp/conf:7)" \
    "signetd: allow netjoin sha1 \"dddddddddddddddddddddddddddddddddddddddd\": hits 1 ($tmp/allow.list:2)" \
    "signetd: escalate asn \"AS1221\": hits 1 ($tmp/conf)"; do
	grep -Fq -e "$want" "$tmp/err" || bad "counters: no \"$want\""
done

# (f) signetd -t: databases, list sizes; a broken database is refused
# with the file named at the line of its option.
"$SIGNETD" -t -c "$tmp/conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] || bad "-t: exit $rc"
for want in "geoip city: $MMDB/GeoIP2-City-Test.mmdb (GeoIP2-City, built " \
    "allow all: 1 signer" "allow netjoin: 1 sha1, 1 domain, 1 country" \
    "escalate: 0 country, 1 asn" "configuration OK"; do
	grep -Fq -e "$want" "$tmp/err" || bad "-t: no \"$want\""
done
sed "s|GeoIP2-City-Test.mmdb|GeoIP2-City-Test-Invalid-Node-Count.mmdb|" \
    "$tmp/conf" > "$tmp/broken.conf"
"$SIGNETD" -t -c "$tmp/broken.conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || bad "-t, broken database: exit $rc, want 1"
grep -Fq "$tmp/broken.conf:13: city: $MMDB/GeoIP2-City-Test-Invalid-Node-Count.mmdb: not a usable MaxMind DB: " \
    "$tmp/err" || bad "-t, broken database: $(cat "$tmp/err")"
"$SIGNETD" -c "$tmp/broken.conf" --replay "$STREAM" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || bad "replay, broken database: exit $rc, want 1"
[ -s "$tmp/out" ] && bad "replay, broken database: alerts written"
echo "b dddddddddddddddddddddddddddddddddddddddd" >> "$tmp/allow.list"
"$SIGNETD" -t -c "$tmp/conf" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || bad "-t, bad list file: exit $rc, want 1"
grep -Fq "$tmp/allow.list:3: unknown kind 'b'" "$tmp/err" ||
    bad "-t, bad list file: $(cat "$tmp/err")"

[ "$fail" -eq 0 ] && echo "ok   enrich"
exit $fail
