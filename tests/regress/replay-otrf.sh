#!/bin/sh
# replay-otrf: signetd --replay over the real OTRF captures in
# tests/data/otrf (NXLog, Winlogbeat 6, and the true-positive cut-outs in
# NXLog and Winlogbeat 8 shape), with internal = 127.0.0.0/8 so that the lab
# addresses (RFC 1918) count as public. For every file:
#  (a) the replay counters account for every input line;
#  (b) a true positive raises a netjoin alert naming its image;
#  (c) empire_mimikatz_logonpasswords raises no netjoin alert;
#  (d) tests/ref/sigref.py agrees with the daemon.
#
# Environment: SIGNETD (the daemon), TOP (source tree), PYTHON3.

: "${PYTHON3:=python3}"
if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "replay-otrf: SIGNETD unset or not executable: skipped"
	exit 77
fi
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
SIGREF=$TOP/tests/ref/sigref.py
DATA=$TOP/tests/data/otrf
INTERNAL=127.0.0.0/8

tmp=$(mktemp -d "${TMPDIR:-/tmp}/replay-otrf.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
fail=0

printf '[rule netjoin]\ninternal = %s\n\n[output o]\ntype = stdout\nformat = json\n' \
    "$INTERNAL" > "$tmp/conf"

# replay_lines STDERR: the "lines" counter of the daemon's final replay
# line, "signetd: replay: lines N records N decoded N skipped N".
replay_lines()
{
	sed -n 's/^signetd: replay: lines \([0-9][0-9]*\)\( .*\)*$/\1/p' \
	    "$1" | tail -n 1
}

# netjoin_images ALERTS: one line per netjoin alert, the lower-cased
# process image and key.
netjoin_images()
{
	"$PYTHON3" - "$1" <<'EOF'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("kind") == "alert" and o.get("rule") == "netjoin":
            p = o.get("process") or {}
            print(("%s %s" % (p.get("image"), o.get("key"))).lower())
EOF
}

# expected FILE: the image of the true positive in FILE, "-" for the
# negative control, "" when nothing is asserted.
expected()
{
	case $1 in
	*executeexcel4macro*|*MoveExcel4_*)	echo 'moveexcel4.exe' ;;
	*registerxll*|*MoveExcelXLL*)		echo 'moveexcelxll.exe' ;;
	*sharpwmi*|*GruntHTTP2*)		echo 'grunthttp2.exe' ;;
	*ActiveScriptEventConsumers*|*MoveWMI*)	echo 'movewmi.exe' ;;
	*rubeus*|*Rubeus*)			echo 'rubeus.exe' ;;
	*purplesharp*|*PurpleSharp*)		echo 'purplesharp.exe' ;;
	*mimikatz*)				echo '-' ;;
	*)					echo '' ;;
	esac
}

nfiles=0
for f in "$DATA"/nxlog/*.jsonl "$DATA"/winlogbeat6/*.jsonl \
    "$DATA"/scenarios/*.jsonl; do
	[ -f "$f" ] || continue
	nfiles=$((nfiles + 1))
	name=$(basename "$f" .jsonl)
	out=$tmp/$name
	"$SIGNETD" -c "$tmp/conf" --replay "$f" > "$out.json" 2> "$out.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name: signetd exited $rc"
		tail -n 20 "$out.err" | sed 's/^/  /'
		fail=1
		continue
	fi
	ok=yes

	# (a)
	want=$(wc -l < "$f" | tr -d ' ')
	got=$(replay_lines "$out.err")
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: replay counted lines '$got', the file has $want"
		ok=no
	fi

	# (b), (c)
	netjoin_images "$out.json" > "$out.images"
	img=$(expected "$name")
	if [ "$img" = "-" ]; then
		if [ -s "$out.images" ]; then
			echo "FAIL $name: netjoin alerts in the negative control"
			sed 's/^/  /' "$out.images"
			ok=no
		fi
	elif [ -n "$img" ]; then
		if ! grep -q "\\\\$img " "$out.images" &&
		    ! grep -q "path:.*\\\\$img\$" "$out.images"; then
			echo "FAIL $name: no netjoin alert names $img"
			ok=no
		fi
	fi

	# (d)
	if ! "$PYTHON3" "$SIGREF" compare "$f" "$out.json" \
	    --internal "$INTERNAL" > "$out.diff" 2>&1; then
		echo "FAIL $name: signetd and sigref differ"
		head -n 40 "$out.diff" | sed 's/^/  /'
		ok=no
	fi

	if [ "$ok" = yes ]; then
		echo "ok   $name: $(wc -l < "$out.images") netjoin alerts"
	else
		fail=1
	fi
done

if [ "$nfiles" -eq 0 ]; then
	echo "FAIL: no OTRF files under $DATA"
	exit 1
fi
exit $fail
