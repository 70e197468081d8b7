#!/bin/sh
# out-retry: what signetd does with a webhook's answers. 503 three times
# then 200: every alert arrives, each exactly once among the 2xx. 429
# with Retry-After: 2: the next request waits at least 2 s. 400: nothing
# is sent twice; the alerts are counted as rejected, the answer logged.
# No answer at all: the request is given up after request_timeout and
# sent again.
#
# Environment: SIGNETD, TOP, PYTHON3 (set by make check).

. "$(dirname "$0")/outlib.sh"

# run NAME EXTRA: a replay posting to receiver NAME, with a file output.
run()
{
	cat >"$tmp/$1.conf" <<EOC
[signetd]
stop_timeout = 30s

[output file]
type = file
format = json
path = $tmp/$1.json

[output hook]
type = webhook
format = json
url = http://127.0.0.1:$(cat "$tmp/$1.port")/
backoff_min = 50ms
backoff_max = 200ms
$2
EOC
	replay "$tmp/$1.conf" "$1"
	[ "$rc" -eq 0 ] || bad "$1: exit $rc"
}

hook r503 --answers 503,503,503
hook r429 --answers 429 --retry-after 2
hook r400 --answers 400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400,400
hook stall --stall 1
run r503 ""
run r429 ""
run r400 ""
run stall "request_timeout = 1s"

n=$(wc -l <"$tmp/r503.json")
[ "$n" -le 30 ] || bad "the corpus has more alerts than r400 answers"
"$PYTHON3" "$CHECK" same "$tmp/r503.log" "$tmp/r503.json" ordered + \
    count "$tmp/r503.log" $((n + 3)) + \
    same "$tmp/r429.log" "$tmp/r429.json" ordered + \
    count "$tmp/r429.log" $((n + 1)) + gap "$tmp/r429.log" 2 + \
    count "$tmp/r400.log" "$n" + \
    same "$tmp/stall.log" "$tmp/stall.json" ordered + \
    count "$tmp/stall.log" $((n + 1)) || bad "what the receivers got"

[ "$(stat "$tmp/r503.err" hook sent)" = "$n" ] || bad "r503: sent"
[ "$(stat "$tmp/r503.err" hook retried)" = 3 ] || bad "r503: retried"
[ "$(stat "$tmp/r429.err" hook retried)" = 1 ] || bad "r429: retried"
[ "$(stat "$tmp/r400.err" hook rejected)" = "$n" ] || bad "r400: rejected"
[ "$(stat "$tmp/r400.err" hook retried)" = 0 ] || bad "r400: retried"
[ "$(stat "$tmp/r400.err" hook sent)" = 0 ] || bad "r400: sent"
grep -q "refused: 127.0.0.1:.*HTTP 400: no: test says 400" "$tmp/r400.err" ||
    bad "r400: the answer was not logged"
[ "$(stat "$tmp/stall.err" hook retried)" = 1 ] || bad "stall: retried"
grep -q 'last_error "127.0.0.1:[0-9]*: .*timed out"' \
    "$tmp/stall.err" || bad "stall: no timeout in last_error"

exit $fail
