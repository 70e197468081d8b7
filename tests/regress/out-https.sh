#!/bin/sh
# out-https: webhooks over TLS to a local HTTPS receiver whose
# certificate (made here with openssl) names localhost and chains to a
# test CA. With ca_file naming the CA every alert arrives exactly once;
# the same server reached as 127.0.0.1 (a name the certificate does not
# hold) or without the CA is refused, and nothing reaches it; with
# tls_verify = no it is accepted, and a warning says so.
#
# Environment: SIGNETD, TOP, PYTHON3 (set by make check).

. "$(dirname "$0")/outlib.sh"

certs
hook s --by-path --cert "$tmp/srv.crt" --key "$tmp/srv.key"
port=$(cat "$tmp/s.port")

# run NAME HOST EXTRA: a replay posting to https://HOST:port/NAME.
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
format = json
url = https://$2:$port/$1
backoff_min = 50ms
max_retries = 0
$3
EOC
	replay "$tmp/$1.conf" "$1"
	[ "$rc" -eq 0 ] || bad "$1: exit $rc"
	touch "$tmp/s.log.$1"
}

run ok localhost "ca_file = $tmp/ca.crt"
run ip 127.0.0.1 "ca_file = $tmp/ca.crt"
run noca localhost ""
run noverify 127.0.0.1 "tls_verify = no"

n=$(wc -l <"$tmp/ok.json")
"$PYTHON3" "$CHECK" same "$tmp/s.log.ok" "$tmp/ok.json" ordered + \
    count "$tmp/s.log.ok" "$n" + count "$tmp/s.log.ip" 0 + \
    count "$tmp/s.log.noca" 0 + \
    same "$tmp/s.log.noverify" "$tmp/noverify.json" ordered ||
    bad "what the receiver got"
[ "$(stat "$tmp/ok.err" hook sent)" = "$n" ] || bad "ok: sent"
for r in ip noca; do
	[ "$(stat "$tmp/$r.err" hook sent)" = 0 ] || bad "$r: sent"
	[ "$(stat "$tmp/$r.err" hook dropped)" = "$n" ] || bad "$r: dropped"
	grep -q 'last_error ".*certificate refused' "$tmp/$r.err" ||
	    bad "$r: no certificate error"
done
grep -q "hostname mismatch\|IP address mismatch" "$tmp/ip.err" ||
    bad "ip: the error does not name the mismatch"
grep -q "tls_verify = no" "$tmp/noverify.err" ||
    bad "noverify: no warning"

exit $fail
