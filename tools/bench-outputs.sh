#!/bin/sh
# bench-outputs: does a dead webhook slow ingestion? Replays one
# generated corpus (tools/siggen, EVENTS records) with a JSON file output
# alone, then with a webhook to a port where nothing listens besides, and
# prints records per second of each: the time of the replay without the
# drain (at most stop_timeout = 1s) that follows it.
#
#   tools/bench-outputs.sh [EVENTS]     (SIGNETD: the daemon to measure)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
: "${SIGNETD:=$top/src/signetd}"
: "${PYTHON3:=python3}"
events=${1:-200000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-outputs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$PYTHON3" "$top/tools/siggen" --seed 7 --events "$events" -o "$tmp/corpus"
port=$("$PYTHON3" -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

printf '[signetd]\nstop_timeout = 1s\n\n[output f]\ntype = file\n' \
    >"$tmp/none.conf"
printf 'format = json\npath = %s/alerts.json\n' "$tmp" >>"$tmp/none.conf"
cp "$tmp/none.conf" "$tmp/dead.conf"
printf '\n[output dead]\ntype = webhook\nformat = json\n' >>"$tmp/dead.conf"
printf 'url = http://127.0.0.1:%s/\nconnect_timeout = 1s\n' "$port" \
    >>"$tmp/dead.conf"

now() { date +%s.%N; }

for c in none dead; do
	rm -f "$tmp/alerts.json"
	t0=$(now)
	"$SIGNETD" -c "$tmp/$c.conf" --replay "$tmp/corpus" 2>"$tmp/$c.err"
	t1=$(now)
	drain=$(sed -n 's/^signetd: drain: \([0-9.]*\) s.*/\1/p' "$tmp/$c.err")
	recs=$(sed -n 's/^signetd: replay: .* records \([0-9]*\) .*/\1/p' \
	    "$tmp/$c.err")
	alerts=$(wc -l <"$tmp/alerts.json")
	echo "$c $t0 $t1 ${drain:-0} $recs $alerts"
done | awk '{
	t = $3 - $2 - $4
	printf "%-5s %9d records %6d alerts %7.3f s %10.0f records/s\n",
	    $1, $5, $6, t, $5 / t
	rate[$1] = $5 / t
} END {
	printf "dead webhook / none: %.2f\n", rate["dead"] / rate["none"]
}'
