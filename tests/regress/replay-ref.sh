#!/bin/sh
# replay-ref: signetd --replay over generated corpora must agree with
# tests/ref/sigref.py, the independent reference of the detection spec:
# per (device, key, remote_ip) the sum of the netjoin counts, and the set of
# imageload first-seen alerts and window reports.
#
# Environment: SIGNETD (the daemon), TOP (source tree), PYTHON3.
# REPLAY_EVENTS (default 8000) sizes the corpora; REPLAY_KEEP=1 keeps them.

: "${PYTHON3:=python3}"
if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "replay-ref: SIGNETD unset or not executable: skipped"
	exit 77
fi
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${REPLAY_EVENTS:=8000}"
SIGGEN=$TOP/tools/siggen
SIGREF=$TOP/tests/ref/sigref.py

tmp=$(mktemp -d "${TMPDIR:-/tmp}/replay-ref.XXXXXX") || exit 99
if [ -n "${REPLAY_KEEP:-}" ]; then
	echo "replay-ref: corpora kept in $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 1' HUP INT TERM
fail=0

# The options of a run: window W, suppression S, lateness L, period R,
# threshold T, and INTERNAL ("" keeps the default list).
W=24h S=1h L=5m R=1h T=10 INTERNAL=

# mkconf FILE: the daemon's configuration for the current options, with the
# option names of conf.h.
mkconf()
{
	{
		printf '[signetd]\nlateness = %s\n\n' "$L"
		printf '[rule netjoin]\nwindow = %s\nsuppress = %s\n' "$W" "$S"
		[ -n "$INTERNAL" ] && printf 'internal = %s\n' "$INTERNAL"
		printf '\n[rule imageload]\nperiod = %s\nthreshold = %s\n\n' \
		    "$R" "$T"
		printf '[output o]\ntype = stdout\nformat = json\n'
	} > "$1"
}

# scenario NAME SIGGEN-ARGS...: generate, replay, compare.
scenario()
{
	name=$1
	shift
	d=$tmp/$name
	mkdir "$d" || exit 99
	mkconf "$d/conf"
	set -- --window "$W" --lateness "$L" --period "$R" --threshold "$T" \
	    "$@" -o "$d/stream"
	if ! "$PYTHON3" "$SIGGEN" "$@"; then
		echo "FAIL $name: siggen $*"
		fail=1
		return
	fi
	"$SIGNETD" -c "$d/conf" --replay "$d/stream" > "$d/alerts.jsonl" \
	    2> "$d/stderr"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name: signetd exited $rc"
		tail -n 20 "$d/stderr" | sed 's/^/  /'
		fail=1
		return
	fi
	set -- --window "$W" --suppress "$S" --lateness "$L" --period "$R" \
	    --threshold "$T"
	[ -n "$INTERNAL" ] && set -- "$@" --internal "$INTERNAL"
	if "$PYTHON3" "$SIGREF" compare "$d/stream" "$d/alerts.jsonl" "$@" \
	    > "$d/diff" 2>&1; then
		echo "ok   $name: $(wc -l < "$d/alerts.jsonl") output lines"
	else
		echo "FAIL $name: signetd and sigref differ"
		head -n 40 "$d/diff" | sed 's/^/  /'
		fail=1
	fi
}

n=$REPLAY_EVENTS
scenario mde --seed 101 --events "$n" --shapes mde --envelope-ratio 0.5
scenario nxlog --seed 102 --events "$n" --shapes nxlog,nxlog6
scenario winlogbeat --seed 103 --events "$n" --shapes winlogbeat,winlogbeat6
scenario mixed-syslog --seed 104 --events "$n" --envelope-ratio 0.4 \
    --syslog mixed --malformed-ratio 0.02
scenario octet --seed 105 --events "$n" --framing octet --syslog mixed
scenario edge --seed 106 --events "$n" --edge-cases --late-ratio 0.03 \
    --span 4d
scenario ipv6 --seed 107 --events "$n" --ipv6-ratio 0.8

W=2h S=0 L=1m R=30m T=3
scenario tuned --seed 108 --events "$n" --edge-cases --span 1d

W=24h S=1h L=5m R=1h T=10 INTERNAL=127.0.0.0/8,::1/128
scenario internal --seed 109 --events "$n"

exit $fail
