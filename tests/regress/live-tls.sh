#!/bin/sh
# live-tls: a tls listener with client_cert = require, and certificates
# made here by openssl: a CA, a server certificate for 127.0.0.1 and
# localhost, a client certificate, and a client certificate from another
# CA. In order, against one daemon:
#   no-cert	openssl s_client without a certificate sends frames: the
#		handshake fails and is counted, nothing is processed
#   rogue	s_client with the other CA's certificate: the same
#   plain	a plain TCP client sends frames to the TLS port: the same
#   good	s_client with the client certificate (verifying the server
#		as 127.0.0.1) sends the corpus, octet-counted: every frame is
#		a message, and the alerts are the replay's
# The daemon stays up throughout and exits 0 on SIGTERM.
#
# Environment: SIGNETD, TOP, PYTHON3 (see lib.sh).

# $PEER, $HOSTILE and $(free_ports N) are split into words on purpose.
# shellcheck disable=SC2046,SC2086
. "$(dirname "$0")/lib.sh"
lib_init live-tls
need openssl openssl

gen corpus --seed 351 --events 2500 --framing octet --syslog mixed
corpus=$LIB_TMP/corpus
nframes=$($PEER count-frames "$corpus")
mkconf "$LIB_TMP/ref.conf" "$LIB_TMP/unused"
replay "$LIB_TMP/ref.conf" "$corpus" "$LIB_TMP/replay.alerts"

# Certificates, EC P-256, valid for a day.
pki=$LIB_TMP/pki
mkdir "$pki"
cat > "$pki/ext.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
# ossl OUT ARGS...: openssl, its chatter into OUT.log, failing loudly.
ossl()
{
	o_out=$1
	shift
	if ! openssl "$@" > "$pki/$o_out.log" 2>&1; then
		bad "openssl $*"
		sed 's/^/  /' "$pki/$o_out.log" | head -n 10
		exit 1
	fi
}
# mkca NAME
mkca()
{
	ossl "$1" req -x509 -config "$pki/ext.cnf" -extensions ca \
	    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/$1.key" -out "$pki/$1.crt" -days 1 \
	    -subj "/CN=signetd test $1"
}
# mkcert NAME CA EXTENSIONS CN
mkcert()
{
	ossl "$1.req" req -new -config "$pki/ext.cnf" \
	    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "/CN=$4"
	ossl "$1" x509 -req -in "$pki/$1.csr" -CA "$pki/$2.crt" \
	    -CAkey "$pki/$2.key" -set_serial "0x$(od -An -N8 -tx1 \
	    /dev/urandom | tr -d ' \n')" -days 1 -extfile "$pki/ext.cnf" \
	    -extensions "$3" -out "$pki/$1.crt"
}
mkca ca
mkca rogue-ca
mkcert server ca server 127.0.0.1
mkcert client ca client signetd-test-client
mkcert rogue rogue-ca client signetd-test-rogue
ok "certificates made"

set -- $(free_ports 1)
port=$1
conf=$LIB_TMP/tls.conf
mkconf "$conf" "$LIB_TMP/live.alerts"
listener "$conf" tls tls "$port" \
    "cert_file = $pki/server.crt" "key_file = $pki/server.key" \
    "ca_file = $pki/ca.crt" "client_cert = require" \
    "handshake_timeout = 5s"
start_daemon "$conf" tls

# Frames that would be messages, were they let in.
head -c 20000 "$corpus" > "$LIB_TMP/some"

# client NAME [s_client options...]: s_client sends $LIB_TMP/some (or the
# corpus for good), quits at its end and reports in NAME.out.
client()
{
	c_name=$1
	shift
	c_in=$LIB_TMP/some
	[ "$c_name" = good ] && c_in=$corpus
	bounded 30 "$c_in" "$LIB_TMP/$c_name.out" openssl s_client \
	    -connect "127.0.0.1:$port" -CAfile "$pki/ca.crt" \
	    -verify_return_error -verify_ip 127.0.0.1 \
	    -quiet -no_ign_eof -nocommands "$@"
}

# refused NAME WANT: the handshake failures reach WANT, and the listener
# has processed nothing.
refused()
{
	if wait_count tls handshake_failed ge "$2" 10; then
		ok "$1: handshake failed and counted ($GOT)"
	else
		bad "$1: handshake_failed $GOT, want $2"
		sed 's/^/  s_client: /' "$LIB_TMP/$1.out" | head -n 5
	fi
	expect "$1: messages" "$(lcount tls messages)" eq 0
	expect "$1: bytes" "$(lcount tls bytes)" eq 0
	daemon_alive "after $1"
}

client no-cert
refused no-cert 1
client rogue -cert "$pki/rogue.crt" -key "$pki/rogue.key"
refused rogue 2
bounded 10 /dev/null "$LIB_TMP/plain.out" $PEER tcp "$port" "$LIB_TMP/some"
refused plain 3

client good -cert "$pki/client.crt" -key "$pki/client.key"
if [ "$RC" -eq 0 ]; then
	ok "good: s_client exited 0"
else
	bad "good: s_client exited $RC"
	sed 's/^/  s_client: /' "$LIB_TMP/good.out" | head -n 10
fi
wait_done tls messages "$nframes" 4 ||
	bad "good: $GOT of $nframes frames arrived"
daemon_alive "after the good client"

stop_daemon TERM
expect "messages" "$(lcount tls messages)" eq "$nframes"
expect "accepted" "$(lcount tls accepted)" eq 4
expect "handshake_failed" "$(lcount tls handshake_failed)" eq 3
for c in too_long bad_frame closed_mid_frame refused_limit idle_closed; do
	expect "$c" "$(lcount tls $c)" eq 0
done
if grep -q 'TLS handshake with 127.0.0.1.* failed' "$DAEMON_ERR"; then
	ok "handshake failures logged with the peer"
else
	bad "no \"TLS handshake with 127.0.0.1... failed\" in the log"
fi
same_alerts "good" "$LIB_TMP/live.alerts" "$LIB_TMP/replay.alerts"

lib_done
