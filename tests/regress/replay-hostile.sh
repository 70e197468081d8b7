#!/bin/sh
# replay-hostile: a replay file with hostile lines among good ones. The
# replay exits 0, counts every line (decoded or skipped by reason), and the
# good lines' alerts are those of the same file without the hostile lines.
: "${PYTHON3:=python3}"
if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "replay-hostile: SIGNETD unset: skipped"
	exit 77
fi
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/replay-hostile.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

printf '[output o]\ntype = stdout\nformat = json\n' > "$tmp/conf"
good=$TOP/tests/data/demo.jsonl

# Interleave the demo corpus with hostile lines: random bytes, NULs, a
# 1 MiB line, deep nesting, truncated JSON, unknown sources, bad times.
"$PYTHON3" - "$good" "$tmp/hostile" <<'PY' || exit 99
import random, sys
rnd = random.Random(1)
good = open(sys.argv[1], "rb").read().split(b"\n")
bad = [
    bytes(rnd.randrange(1, 256) for _ in range(300)).replace(b"\n", b" "),
    b"{\"a\":\x00\x01\x02}",
    b"x" * (1024 * 1024),
    b"[" * 5000 + b"]" * 5000,
    b"{\"records\":[{\"category\":\"AdvancedHunting-DeviceNetworkEvents\"",
    b"{\"Channel\":\"Security\",\"EventID\":4624}",
    b"{\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"EventID\":3,"
    b"\"Hostname\":\"h\",\"UtcTime\":\"2024-02-30 00:00:00\"}",
    b"<13>1 2024-03-01T00:00:00Z host app - - [bad sd",
    b"\xff\xfe{\"\xc3\x28\":\"\xe2\x82\"}",
]
out = []
for i, line in enumerate(good):
    if line:
        out.append(line)
    if i % 25 == 0:
        out.append(bad[(i // 25) % len(bad)])
open(sys.argv[2], "wb").write(b"\n".join(out) + b"\n")
PY

"$SIGNETD" -c "$tmp/conf" --replay "$tmp/hostile" > "$tmp/alerts" \
    2> "$tmp/err"
rc=$?
"$SIGNETD" -c "$tmp/conf" --replay "$good" > "$tmp/want" 2> /dev/null
if [ "$rc" -ne 0 ]; then
	echo "FAIL replay of hostile lines exited $rc"
	fail=1
fi
# A NUL ends a message as LF does (RFC 6587 trailers), so each NUL inside
# a line makes one more message.
nuls=$(tr -cd '\000' < "$tmp/hostile" | wc -c)
lines=$(($(wc -l < "$tmp/hostile") + nuls))
got=$(sed -n 's/^signetd: replay: lines \([0-9]*\) .*/\1/p' "$tmp/err")
if [ "$got" != "$lines" ]; then
	echo "FAIL lines counted: $got, in the file: $lines"
	fail=1
else
	echo "ok   every one of $lines lines and NUL-ended messages counted"
fi
for reason in not_json too_deep too_long unknown_source bad_time; do
	if grep -q "skipped:.* $reason [1-9]" "$tmp/err"; then
		echo "ok   counted as $reason"
	else
		echo "FAIL nothing counted as $reason"
		fail=1
	fi
done
strip() {
	sed 's/"detected_at":"[^"]*",//' "$1" | sort
}
if [ "$(strip "$tmp/alerts")" = "$(strip "$tmp/want")" ] &&
    [ -s "$tmp/want" ]; then
	echo "ok   the good lines' $(wc -l < "$tmp/want") alerts are intact"
else
	echo "FAIL alerts differ from those of the good lines alone"
	fail=1
fi
[ "$fail" -eq 0 ] || sed 's/^/  /' "$tmp/err"
exit $fail
