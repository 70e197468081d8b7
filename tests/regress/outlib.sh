# Shared by the out-*.sh scripts (sourced, not run): a scratch directory,
# processes started here and stopped by their PID at exit, the test CA,
# the webhook receiver and the replay of the demo corpus.
#
# Environment: SIGNETD (the daemon), TOP (sources), PYTHON3.

: "${PYTHON3:=python3}"
: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${SIGNETD:-}" ] || [ ! -x "$SIGNETD" ]; then
	echo "$(basename "$0"): SIGNETD unset or not executable: skipped"
	exit 77
fi
HOOK=$TOP/tests/regress/hook.py
CHECK=$TOP/tests/regress/outcheck.py
DEMO=$TOP/tests/data/demo.jsonl

tmp=$(mktemp -d "${TMPDIR:-/tmp}/signetd-out.XXXXXX") || exit 99
pids=""
fail=0

# Stop what this script started, by PID, then remove the scratch space.
cleanup()
{
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${OUT_KEEP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

bad()
{
	echo "FAIL: $*"
	fail=1
}

# wait_file FILE [SECONDS]: until FILE exists (10 s by default).
wait_file()
{
	_w=$(( ${2:-10} * 10 ))
	while [ ! -s "$1" ] && [ "$_w" -gt 0 ]; do
		sleep 0.1
		_w=$((_w - 1))
	done
	[ -s "$1" ]
}

# hook NAME ARGS...: a receiver logging to $tmp/NAME.log; its port is
# in $tmp/NAME.port, its PID in $hook_pid.
hook()
{
	_h=$1
	shift
	rm -f "$tmp/$_h.port"
	"$PYTHON3" "$HOOK" --port-file "$tmp/$_h.port" \
	    --log "$tmp/$_h.log" "$@" &
	hook_pid=$!
	pids="$pids $hook_pid"
	wait_file "$tmp/$_h.port" || { bad "receiver $_h did not start"; \
	    exit 1; }
	touch "$tmp/$_h.log"
}

# stop PID: SIGTERM and wait.
stop()
{
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# certs: a CA ($tmp/ca.crt), a server certificate for localhost (only
# the name, no IP address: $tmp/srv.crt, $tmp/srv.key), and a second CA
# the daemon does not know ($tmp/other-ca.crt, $tmp/other.crt/.key).
certs()
{
	(
	cd "$tmp" || exit 1
	for ca in ca other-ca; do
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj "/CN=signetd test $ca" -keyout "$ca.key" \
		    -out "$ca.crt" 2>/dev/null || exit 1
	done
	printf 'subjectAltName=DNS:localhost\n' >ext.cnf
	for s in srv:ca other:other-ca; do
		n=${s%%:*} ca=${s#*:}
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		    -keyout "$n.key" -out "$n.csr" 2>/dev/null || exit 1
		openssl x509 -req -in "$n.csr" -CA "$ca.crt" \
		    -CAkey "$ca.key" -CAcreateserial -days 2 \
		    -extfile ext.cnf -out "$n.crt" 2>/dev/null || exit 1
	done
	) || { bad "openssl could not make the test certificates"; exit 1; }
}

# replay CONF [NAME]: the demo corpus through signetd; stderr (with the
# report) in $tmp/NAME.err (NAME defaults to replay), exit code in $rc.
replay()
{
	"$SIGNETD" -c "$1" --replay "$DEMO" >"$tmp/${2:-replay}.out" \
	    2>"$tmp/${2:-replay}.err"
	rc=$?
}

# stat ERRFILE OUTPUT FIELD: a counter of the report's output line.
stat()
{
	sed -n "s/^signetd: output $2:.* $3 \([0-9]*\).*/\1/p" "$1" | tail -1
}
