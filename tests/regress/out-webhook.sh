#!/bin/sh
# out-webhook: signetd --replay posts the demo corpus's alerts to a local
# HTTP receiver (hook.py): each alert arrives exactly once, as the JSON
# object the file output writes, alone or in batches; configured and
# secret headers and the HMAC signature are on every request; Slack and
# Teams bodies have the documented shape, field by field; rules and
# min_severity filter.
#
# Environment: SIGNETD, TOP, PYTHON3 (set by make check).

. "$(dirname "$0")/outlib.sh"

printf 'Authorization: Bearer s3cr3t-t0ken\n' >"$tmp/token"
printf 'k3y-for-hmac\n' >"$tmp/key"
hook h --by-path
port=$(cat "$tmp/h.port")

# run NAME FORMAT EXTRA: replay with a file output (alerts in
# $tmp/NAME.json) and a webhook posting to /NAME (log $tmp/h.log.NAME).
run()
{
	cat >"$tmp/$1.conf" <<EOC
[signetd]
stop_timeout = 20s

[output file]
type = file
format = json
path = $tmp/$1.json

[output hook]
type = webhook
format = $2
url = http://127.0.0.1:$port/$1?src=signetd
backoff_min = 100ms
$3
EOC
	replay "$tmp/$1.conf" "$1"
	[ "$rc" -eq 0 ] || bad "$1: exit $rc"
	touch "$tmp/h.log.$1"
}

run json json "header = X-Test: a, b
header = X-Other: 2
header_file = $tmp/token
hmac_key_file = $tmp/key"
run batch json "batch = 5"
run slack slack ""
run teams teams ""
run filt json "rules = imageload
min_severity = high"

n=$(wc -l <"$tmp/json.json")
L=$tmp/h.log
"$PYTHON3" "$CHECK" same "$L.json" "$tmp/json.json" ordered + \
    count "$L.json" "$n" + \
    header "$L.json" X-Test "a, b" + header "$L.json" X-Other 2 + \
    header "$L.json" Authorization "Bearer s3cr3t-t0ken" + \
    header "$L.json" Content-Type application/json + \
    hmac "$L.json" "$tmp/key" + \
    same "$L.batch" "$tmp/batch.json" ordered + \
    count "$L.batch" $(( (n + 4) / 5 )) + \
    slack "$L.slack" "$tmp/slack.json" + \
    teams "$L.teams" "$tmp/teams.json" || bad "what the receiver got"

grep -q "s3cr3t\|k3y-for" "$tmp/json.err" && bad "json: a secret was logged"
[ "$(stat "$tmp/json.err" hook sent)" = "$n" ] || bad "json: sent count"
[ "$(stat "$tmp/json.err" hook queued)" = "$n" ] || bad "json: queued count"
[ "$(stat "$tmp/json.err" hook depth)" = 0 ] || bad "json: depth"
grep -q "^signetd: drain: " "$tmp/json.err" || bad "json: no drain time"

"$PYTHON3" - "$L.filt" "$tmp/filt.json" <<'EOP' || bad "filter"
import json, sys
got = [json.loads(json.loads(l)["body"]) for l in open(sys.argv[1])]
want = [a for a in map(json.loads, open(sys.argv[2]))
        if a["rule"] == "imageload" and a["severity"] in ("high", "critical")]
assert got == want, (len(got), len(want))
assert want, "no imageload alert of severity high in the corpus"
EOP
[ "$(stat "$tmp/filt.err" hook filtered)" -gt 0 ] ||
    bad "filter: nothing counted as filtered"

exit $fail
