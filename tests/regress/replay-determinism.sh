#!/bin/sh
# replay-determinism: the alerts depend on the records alone. Every run
# hashes with a new random SipHash key, so tables fill, iterate and get
# swept in a different order each time; six replays of one corpus (the
# mixed shapes with mixed syslog headers, where a group the sweep had or
# had not yet freed once changed what an alert said) must write the very
# same alerts, detected_at aside.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# shellcheck disable=SC2086
. "$(dirname "$0")/lib.sh"
lib_init replay-determinism

gen corpus --seed 5 --events 20000 --syslog mixed
printf '[output o]\ntype = stdout\nformat = json\n' > "$LIB_TMP/conf"
i=0
while [ "$i" -lt 6 ]; do
	"$SIGNETD" -c "$LIB_TMP/conf" --replay "$LIB_TMP/corpus" \
	    2> "$LIB_TMP/err.$i" |
	    sed 's/"detected_at": *"[^"]*",\{0,1\}//' > "$LIB_TMP/alerts.$i"
	if [ ! -s "$LIB_TMP/alerts.$i" ]; then
		bad "run $i wrote no alerts"
		sed 's/^/  /' "$LIB_TMP/err.$i" | tail -n 5
	elif [ "$i" -gt 0 ] && ! cmp -s "$LIB_TMP/alerts.0" "$LIB_TMP/alerts.$i"; then
		bad "run $i differs from run 0"
		diff "$LIB_TMP/alerts.0" "$LIB_TMP/alerts.$i" | head -n 6 |
		    cut -c 1-300 | sed 's/^/  /'
	fi
	i=$((i + 1))
done
[ "$fail" -eq 0 ] && ok "6 replays, $(lines "$LIB_TMP/alerts.0") alerts, identical"
lib_done
