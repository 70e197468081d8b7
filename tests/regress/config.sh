#!/bin/sh
# signetd -t over good and bad configuration files: the good ones (the
# shipped etc/signetd.conf first) pass with "configuration OK" and exit 0;
# each bad one exits 1 and prints every "file:line: message" listed in
# its .err file, where @FILE@ stands for the file's path. The manual
# pages are linted first, with mandoc if it is installed.
#
# Environment (set by make check): SIGNETD, the daemon; TOP, the sources.

: "${TOP:?TOP must name the source directory}"

# The manual pages document the configuration: they must lint clean.
if command -v mandoc >/dev/null 2>&1; then
	if ! mandoc -Tlint -Wwarning "$TOP/man/signetd.8" \
	    "$TOP/man/signetd.conf.5"; then
		echo "FAIL: mandoc -Tlint"
		exit 1
	fi
fi

if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "config.sh: no signetd binary (SIGNETD=${SIGNETD:-}), skipped"
	exit 77
fi

data=$TOP/tests/data/conf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/signetd-config.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM
fail=0

# Run signetd -t on a file: rc, stdout and stderr land in $tmp.
check() {
	"$SIGNETD" -t -c "$1" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}

# How many "FILE:LINE: message" lines stderr holds for file $1; other
# lines (a summary such as "signetd: FILE: 3 errors") do not count.
nmsgs() {
	P="$1:" awk 'index($0, ENVIRON["P"]) == 1 &&
	    substr($0, length(ENVIRON["P"]) + 1, 1) ~ /[0-9]/' "$tmp/err" |
	    wc -l
}

bad() {
	echo "FAIL: $*"
	sed 's/^/  stderr: /' "$tmp/err"
	fail=1
}

# A daemon built before main.c could test a configuration says nothing
# and accepts anything: there is nothing to check yet.
check "$data/bad-key.conf"
if [ "$(cat "$tmp/rc")" -eq 0 ] && [ ! -s "$tmp/err" ]; then
	check "$TOP/etc/signetd.conf"
	if ! grep -q "configuration OK" "$tmp/err"; then
		echo "config.sh: $SIGNETD does not implement -t yet, skipped"
		exit 77
	fi
fi

for f in "$TOP/etc/signetd.conf" "$data/example.conf" "$data/syntax.conf" \
    "$data/bom-crlf.conf" "$data/long-lists.conf" "$data/listen.conf"; do
	check "$f"
	rc=$(cat "$tmp/rc")
	if [ "$rc" -ne 0 ]; then
		bad "$f: exit $rc, want 0"
	elif ! grep -q "configuration OK" "$tmp/err"; then
		bad "$f: no \"configuration OK\""
	elif [ "$(nmsgs "$f")" -ne 0 ]; then
		bad "$f: problems reported in a good file"
	fi
done

for e in "$data"/bad-*.err; do
	f=${e%.err}.conf
	check "$f"
	rc=$(cat "$tmp/rc")
	[ "$rc" -eq 1 ] || bad "$f: exit $rc, want 1"
	grep -q "configuration OK" "$tmp/err" && bad "$f: \"configuration OK\""
	while IFS= read -r line; do
		want="$f${line#@FILE@}"
		grep -Fq -e "$want" "$tmp/err" || bad "$f: missing: $want"
	done <"$e"
	n=$(grep -c "^@FILE@:" "$e")
	got=$(nmsgs "$f")
	[ "$got" -eq "$n" ] || bad "$f: $got messages, want $n"
done

missing=$tmp/no-such-file.conf
check "$missing"
rc=$(cat "$tmp/rc")
[ "$rc" -eq 1 ] || bad "$missing: exit $rc, want 1"
grep -Fq -e "$missing: No such file or directory" "$tmp/err" ||
    bad "$missing: no \"No such file or directory\""

# With -v the configuration in effect is printed; it loads as it is.
for f in syntax listen; do
	"$SIGNETD" -tv -c "$data/$f.conf" >"$tmp/dump.conf" 2>"$tmp/err"
	[ -s "$tmp/dump.conf" ] || continue
	check "$tmp/dump.conf"
	rc=$(cat "$tmp/rc")
	[ "$rc" -eq 0 ] || bad "the -tv dump of $f.conf: exit $rc, want 0"
done

exit $fail
