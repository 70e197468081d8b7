/*
 * signetd: unit tests for the listeners. Each test runs a real event_base
 * with listeners on 127.0.0.1, talks to them with plain sockets (and an
 * OpenSSL client for TLS) from the same process, drives the loop in
 * bounded steps and checks the listener's and the pipeline's counters.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "testutil.h"

#include "conf.h"
#include "engine.h"
#include "listen.h"
#include "listen_int.h"
#include "pipeline.h"
#include "xmalloc.h"

#define DEADLINE	(5 * T_SEC)
#define NLISTENS	2

/* A one-line MDE network record the pipeline decodes. */
#define MDE_NET	"{\"category\":\"AdvancedHunting-DeviceNetworkEvents\"," \
	"\"properties\":{\"DeviceName\":\"WS01.Corp\",\"ActionType\":" \
	"\"InboundConnectionAccepted\",\"Timestamp\":\"2024-03-01T00:00:00Z\"}}"

static struct event_base	*base;
static struct conf		*cf;
static struct conf_listen	*saved_listens;
static size_t			 saved_nlistens;
static struct conf_listen	 lc[NLISTENS];
static size_t			 nlc;
static struct sinkbuf		 sb;
static struct engine		*eng;
static struct pipeline		*pl;
static struct listeners		*ls;
static char			 tlsdir[64];
static char			 certfile[128];
static char			 keyfile[128];

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * T_SEC + ts.tv_nsec / 1000);
}

/* A port nobody uses now: bind port 0, read what we got, close. */
static uint16_t
free_port(int type)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd = socket(AF_INET, type, 0), -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

static void
setup(void)
{
	struct sipkey		 sk = { 1, 2 };
	struct alert_sink	 sink = sinkbuf_sink(&sb);

	ck_assert_ptr_nonnull(base = event_base_new());
	cf = conf_new();
	cf->max_message = 64;
	saved_listens = cf->listens;
	saved_nlistens = cf->nlistens;
	memset(lc, 0, sizeof(lc));
	nlc = 0;
	eng = engine_new(cf, &sink, &sk);
	ls = NULL;
	pl = NULL;
	tlsdir[0] = '\0';
}

static void
teardown(void)
{
	size_t	 i;

	listeners_free(ls);
	pipeline_free(pl);
	engine_free(eng);
	for (i = 0; i < nlc; i++)
		cidr_list_clear(&lc[i].allow);
	cf->listens = saved_listens;
	cf->nlistens = saved_nlistens;
	conf_free(cf);
	event_base_free(base);
	if (tlsdir[0] != '\0') {
		unlink(certfile);
		unlink(keyfile);
		rmdir(tlsdir);
	}
}

/* A [listen] section on 127.0.0.1 and a free port, generous limits. */
static struct conf_listen *
listen_add(enum listen_proto proto)
{
	struct conf_listen	*l;

	ck_assert_uint_lt(nlc, NLISTENS);
	l = &lc[nlc++];
	l->name = (char *)(proto == PROTO_UDP ? "u" : proto == PROTO_TCP ?
	    "t" : "s");
	l->proto = proto;
	l->addresses[0] = (char *)"127.0.0.1";
	l->naddresses = 1;
	l->port = free_port(proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM);
	cidr_list_init(&l->allow);
	l->max_connections = 100;
	l->max_per_source = 100;
	l->handshake_timeout = 5 * T_SEC;
	l->client_cert = CLIENT_CERT_NONE;
	return (l);
}

static void
allow(struct conf_listen *l, const char *s)
{
	struct cidr	 c;

	ck_assert_int_eq(cidr_parse(s, strlen(s), &c), 0);
	cidr_list_add(&l->allow, &c);
}

/* listeners_new over our sections; NULL when it refuses, err says why. */
static struct listeners *
try_start(char *err, size_t errlen)
{
	cf->listens = lc;
	cf->nlistens = nlc;
	pl = pipeline_new(eng, cf->max_message);
	ls = listeners_new(base, cf, pl, now_us, err, errlen);
	return (ls);
}

static void
start(void)
{
	char	 err[256] = "";

	ck_assert_msg(try_start(err, sizeof(err)) != NULL, "%s", err);
}

static void
loop_once(void)
{
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	usleep(1000);
}

/* Run the loop until *v >= want or the deadline; returns *v. */
static uint64_t
wait_for(const uint64_t *v, uint64_t want)
{
	int64_t	 end = now_us() + DEADLINE;

	while (*v < want && now_us() < end)
		loop_once();
	return (*v);
}

/* Run the loop for `us' microseconds, to catch anything counted twice. */
static void
run_for(int64_t us)
{
	int64_t	 end = now_us() + us;

	while (now_us() < end)
		loop_once();
}

static const struct listen_stats *
lst(size_t i)
{
	return (listeners_stats(ls, i));
}

static const struct pipeline_stats *
pst(void)
{
	return (pipeline_stats(pl));
}

static int
tcp_connect(uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return (fd);
}

/* Send everything, running the loop whenever the socket is full. */
static void
send_all(int fd, const char *buf, size_t len)
{
	int64_t	 end = now_us() + DEADLINE;
	ssize_t	 n;

	while (len > 0 && now_us() < end) {
		n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			loop_once();
			continue;
		}
		buf += n;
		len -= (size_t)n;
	}
	ck_assert_uint_eq(len, 0);
}

static void
send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* 1 when the server closed the connection: EOF or reset, not EAGAIN. */
static int
peer_closed(int fd)
{
	char	 c;
	ssize_t	 n;

	n = recv(fd, &c, 1, MSG_DONTWAIT);
	return (n == 0 || (n == -1 && errno != EAGAIN));
}

static void
udp_send(uint16_t port, const char *buf, size_t len)
{
	struct sockaddr_in	 sin;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_DGRAM, 0), -1);
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), (ssize_t)len);
	close(fd);
}

/* Lines of `s' written to stderr while fn runs. */
static size_t
count_in(const char *text, const char *s)
{
	size_t		 n = 0;
	const char	*p = text;

	while ((p = strstr(p, s)) != NULL) {
		n++;
		p += strlen(s);
	}
	return (n);
}

/* Capture stderr into a temporary file; stderr_end() reads it back. */
static int
stderr_begin(FILE **tmp)
{
	int	 saved;

	fflush(stderr);
	ck_assert_ptr_nonnull(*tmp = tmpfile());
	ck_assert_int_ne(saved = dup(STDERR_FILENO), -1);
	ck_assert_int_ne(dup2(fileno(*tmp), STDERR_FILENO), -1);
	return (saved);
}

static char *
stderr_end(FILE *tmp, int saved)
{
	static char	 text[8192];
	size_t		 n;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(text, 1, sizeof(text) - 1, tmp);
	text[n] = '\0';
	fclose(tmp);
	return (text);
}

START_TEST(test_listen_tcp_lf)
{
	int	 fd;

	listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(lc[0].port);
	send_str(fd, "one\ntwo\nthree\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 3), 3);
	/* The last line needs no LF when the peer closes (RFC 6587 3.4.2). */
	send_str(fd, "four");
	run_for(50000);
	ck_assert_uint_eq(pst()->messages, 3);
	close(fd);
	ck_assert_uint_eq(wait_for(&pst()->messages, 4), 4);
	run_for(20000);
	ck_assert_uint_eq(pst()->bytes, 3 + 3 + 5 + 4);
	ck_assert_uint_eq(lst(0)->messages, 4);
	ck_assert_uint_eq(lst(0)->accepted, 1);
	ck_assert_uint_eq(lst(0)->active, 0);
	ck_assert_uint_eq(lst(0)->closed_mid_frame, 0);
	ck_assert_uint_eq(lst(0)->bytes, 18);
}
END_TEST

START_TEST(test_listen_tcp_octet)
{
	int	 fd;

	listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(lc[0].port);
	send_str(fd, "5 hello11 hello\nworld");
	ck_assert_uint_eq(wait_for(&pst()->messages, 2), 2);
	/* A frame cut in two by the network is joined. */
	send_str(fd, "3 a");
	run_for(30000);
	send_str(fd, "bc");
	ck_assert_uint_eq(wait_for(&pst()->messages, 3), 3);
	ck_assert_uint_eq(pst()->bytes, 5 + 11 + 3);
	close(fd);
	run_for(30000);
	ck_assert_uint_eq(lst(0)->closed_mid_frame, 0);
	ck_assert_uint_eq(lst(0)->bad_frame, 0);
}
END_TEST

START_TEST(test_listen_tcp_crlf_nul)
{
	int	 fd;

	listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(lc[0].port);
	send_all(fd, "one\r\ntwo\0three\n\n", 16);
	ck_assert_uint_eq(wait_for(&pst()->messages, 3), 3);
	ck_assert_uint_eq(wait_for(&lst(0)->empty, 1), 1);
	ck_assert_uint_eq(pst()->bytes, 3 + 3 + 5);
	ck_assert_uint_eq(pst()->skipped[SKIP_EMPTY], 1);
	close(fd);
}
END_TEST

/* A real record with an RFC 5424 header reaches the decoder intact. */
START_TEST(test_listen_tcp_record)
{
	int	 fd;

	cf->max_message = 1024;
	listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(lc[0].port);
	send_str(fd, "<14>1 2024-03-01T00:00:00Z ws01 mde - - - " MDE_NET "\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	ck_assert_uint_eq(pipeline_decoded(pl), 1);
	ck_assert_uint_eq(pst()->decoded[REC_NET], 1);
	close(fd);
}
END_TEST

/* A frame over max_message is skipped and counted; the connection lives. */
START_TEST(test_listen_tcp_too_long)
{
	char	 big[300];
	int	 fd, fd2;

	listen_add(PROTO_TCP);
	start();
	memset(big, 'x', sizeof(big));
	fd = tcp_connect(lc[0].port);
	send_all(fd, big, sizeof(big));
	send_str(fd, "\nok\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	ck_assert_uint_eq(lst(0)->too_long, 1);
	ck_assert_uint_eq(pst()->skipped[SKIP_TOO_LONG], 1);
	ck_assert_uint_eq(lst(0)->active, 1);

	fd2 = tcp_connect(lc[0].port);
	send_str(fd2, "300 ");
	send_all(fd2, big, sizeof(big));
	send_str(fd2, "2 ok");
	ck_assert_uint_eq(wait_for(&pst()->messages, 2), 2);
	ck_assert_uint_eq(lst(0)->too_long, 2);
	ck_assert_uint_eq(pst()->skipped[SKIP_TOO_LONG], 2);
	ck_assert_uint_eq(pst()->bytes, 4);
	close(fd);
	close(fd2);
	run_for(20000);
	ck_assert_uint_eq(lst(0)->active, 0);
}
END_TEST

/*
 * Frames of exactly max_message bytes pass: the read watermark leaves
 * room for the octet count or the CR LF around them, so the framer never
 * waits for bytes the bufferevent will not read.
 */
START_TEST(test_listen_tcp_max_frame)
{
	char	 line[64];
	int	 lf, oc;

	listen_add(PROTO_TCP);
	start();
	memset(line, 'y', sizeof(line));
	lf = tcp_connect(lc[0].port);
	send_all(lf, line, sizeof(line));
	run_for(30000);
	send_str(lf, "\r\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	oc = tcp_connect(lc[0].port);
	send_str(oc, "64 ");
	send_all(oc, line, sizeof(line));
	ck_assert_uint_eq(wait_for(&pst()->messages, 2), 2);
	ck_assert_uint_eq(pst()->bytes, 2 * sizeof(line));
	ck_assert_uint_eq(lst(0)->too_long, 0);
	close(lf);
	close(oc);
}
END_TEST

/*
 * A bulk stream bigger than one wake-up's read budget, of frames up to
 * max_message that straddle the 256 KiB read blocks, LF and octet
 * counted on two connections at once: every frame arrives whole, once.
 */
START_TEST(test_listen_tcp_bulk)
{
	const size_t	 max = 64 * 1024, total = 6 * 1024 * 1024;
	char		*lfbuf, *ocbuf;
	size_t		 lflen = 0, oclen = 0, n, frames = 0, bytes = 0;
	size_t		 lfoff = 0, ocoff = 0, chunk;
	int		 lf, oc;

	cf->max_message = max;
	listen_add(PROTO_TCP);
	start();
	lfbuf = xmalloc(total + max + 16);
	ocbuf = xmalloc(total + max + 32);
	while (lflen < total) {
		/* 1 byte to max_message, most around a record's size. */
		n = frames % 97 == 0 ? max : 1 + (frames * 7919) % 3000;
		memset(lfbuf + lflen, 'a' + (int)(frames % 26), n);
		lfbuf[lflen + n] = '\n';
		lflen += n + 1;
		oclen += (size_t)snprintf(ocbuf + oclen, 16, "%zu ", n);
		memset(ocbuf + oclen, 'b', n);
		oclen += n;
		bytes += n;
		frames++;
	}
	lf = tcp_connect(lc[0].port);
	oc = tcp_connect(lc[0].port);
	/* Interleaved, so both connections hold data at each wake-up. */
	while (lfoff < lflen || ocoff < oclen) {
		chunk = lflen - lfoff < 1000000 ? lflen - lfoff : 1000000;
		send_all(lf, lfbuf + lfoff, chunk);
		lfoff += chunk;
		chunk = oclen - ocoff < 1000000 ? oclen - ocoff : 1000000;
		send_all(oc, ocbuf + ocoff, chunk);
		ocoff += chunk;
	}
	ck_assert_uint_eq(wait_for(&pst()->messages, 2 * frames), 2 * frames);
	run_for(30000);
	ck_assert_uint_eq(pst()->messages, 2 * frames);
	ck_assert_uint_eq(pst()->bytes, 2 * bytes);
	ck_assert_uint_eq(lst(0)->too_long, 0);
	ck_assert_uint_eq(lst(0)->bad_frame, 0);
	ck_assert_uint_eq(lst(0)->bytes, lflen + oclen);
	close(lf);
	close(oc);
	run_for(30000);
	ck_assert_uint_eq(lst(0)->closed_mid_frame, 0);
	free(lfbuf);
	free(ocbuf);
}
END_TEST

/* What the after hook saw: calls, and the arrival times handed to it. */
struct after_rec {
	uint64_t	 calls;
	uint64_t	 messages_then;	/* pipeline messages at the last call */
	int64_t		 first;
	int64_t		 last;
};

static void
after_cb(void *arg, int64_t now)
{
	struct after_rec	*r = arg;

	if (r->calls++ == 0)
		r->first = now;
	r->last = now;
	r->messages_then = pst()->messages;
}

/*
 * The pipeline's after hook (the daemon flushes overdue alerts there)
 * runs once per message, each message already counted, with the arrival
 * stamp of the listener's clock, also within one long read of a backlog.
 */
START_TEST(test_listen_after_hook)
{
	struct after_rec	 r;
	char			*buf;
	size_t			 len = 0, cap = 3 * 1024 * 1024, lines = 0;
	int64_t			 t0, t1;
	int			 fd, sz = 8 * 1024 * 1024;

	memset(&r, 0, sizeof(r));
	cf->max_message = 64 * 1024;
	buf = xmalloc(cap);
	while (len < 2 * 1024 * 1024) {
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", MDE_NET);
		lines++;
	}
	listen_add(PROTO_TCP);
	start();
	pipeline_set_after(pl, after_cb, &r);
	fd = tcp_connect(lc[0].port);
	/* Room for all of it: the backlog is there at the first wake-up. */
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
	t0 = now_us();
	send_all(fd, buf, len);
	ck_assert_uint_eq(wait_for(&pst()->messages, lines), lines);
	t1 = now_us();
	ck_assert_uint_eq(r.calls, lines);
	ck_assert_uint_eq(r.messages_then, lines);
	ck_assert_int_ge(r.first, t0);
	ck_assert_int_ge(r.last, r.first);
	ck_assert_int_le(r.last, t1);
	ck_assert_uint_eq(pst()->decoded[REC_NET], lines);
	close(fd);
	free(buf);
}
END_TEST

/* An octet count that does not parse: resynchronised at the next LF. */
START_TEST(test_listen_tcp_bad_frame)
{
	int	 fd;

	listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(lc[0].port);
	send_str(fd, "5 hello12x4 junk\n2 ok");
	ck_assert_uint_eq(wait_for(&pst()->messages, 2), 2);
	ck_assert_uint_eq(lst(0)->bad_frame, 1);
	ck_assert_uint_eq(pst()->skipped[SKIP_BAD_FRAME], 1);
	close(fd);
}
END_TEST

START_TEST(test_listen_half_frame)
{
	int	 fd;

	listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(lc[0].port);
	send_str(fd, "5 hello10 abc");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	close(fd);
	ck_assert_uint_eq(wait_for(&lst(0)->closed_mid_frame, 1), 1);
	run_for(20000);
	ck_assert_uint_eq(pst()->messages, 1);
	ck_assert_uint_eq(pst()->skipped[SKIP_BAD_FRAME], 1);
	ck_assert_uint_eq(lst(0)->active, 0);
}
END_TEST

START_TEST(test_listen_allow_refuses)
{
	struct conf_listen	*t, *u;
	int			 fd;

	t = listen_add(PROTO_TCP);
	u = listen_add(PROTO_UDP);
	allow(t, "10.0.0.0/8");
	allow(u, "10.0.0.0/8");
	start();
	fd = tcp_connect(t->port);
	send_str(fd, "hello\n");
	ck_assert_uint_eq(wait_for(&lst(0)->refused_allow, 1), 1);
	udp_send(u->port, "hello", 5);
	ck_assert_uint_eq(wait_for(&lst(1)->refused_datagrams, 1), 1);
	run_for(20000);
	ck_assert(peer_closed(fd));
	ck_assert_uint_eq(lst(0)->accepted, 0);
	ck_assert_uint_eq(lst(0)->active, 0);
	ck_assert_uint_eq(pst()->messages, 0);
	close(fd);
}
END_TEST

START_TEST(test_listen_allow_admits)
{
	struct conf_listen	*t;
	int			 fd;

	t = listen_add(PROTO_TCP);
	allow(t, "10.0.0.0/8");
	allow(t, "127.0.0.0/8");
	start();
	fd = tcp_connect(t->port);
	send_str(fd, "hello\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	ck_assert_uint_eq(lst(0)->refused_allow, 0);
	close(fd);
}
END_TEST

/* Connections past max_per_source are closed; a slot frees at close. */
START_TEST(test_listen_max_per_source)
{
	struct conf_listen	*t;
	int			 a, b, c, d;

	t = listen_add(PROTO_TCP);
	t->max_per_source = 2;
	start();
	a = tcp_connect(t->port);
	b = tcp_connect(t->port);
	ck_assert_uint_eq(wait_for(&lst(0)->accepted, 2), 2);
	c = tcp_connect(t->port);
	ck_assert_uint_eq(wait_for(&lst(0)->refused_limit, 1), 1);
	run_for(20000);
	ck_assert(peer_closed(c));
	ck_assert_uint_eq(lst(0)->active, 2);
	close(a);
	run_for(50000);
	ck_assert_uint_eq(lst(0)->active, 1);
	d = tcp_connect(t->port);
	send_str(d, "late\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	ck_assert_uint_eq(lst(0)->accepted, 3);
	ck_assert_uint_eq(lst(0)->refused_limit, 1);
	close(b);
	close(c);
	close(d);
	run_for(20000);
	ck_assert_uint_eq(lst(0)->active, 0);
}
END_TEST

START_TEST(test_listen_max_connections)
{
	struct conf_listen	*t;
	int			 a, b;

	t = listen_add(PROTO_TCP);
	t->max_connections = 1;
	start();
	a = tcp_connect(t->port);
	ck_assert_uint_eq(wait_for(&lst(0)->accepted, 1), 1);
	b = tcp_connect(t->port);
	ck_assert_uint_eq(wait_for(&lst(0)->refused_limit, 1), 1);
	send_str(a, "still here\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	close(a);
	close(b);
}
END_TEST

/* A silent peer is closed after idle_timeout; its half line is lost. */
START_TEST(test_listen_idle_timeout)
{
	struct conf_listen	*t;
	int64_t			 t0;
	int			 fd;

	t = listen_add(PROTO_TCP);
	t->idle_timeout = T_SEC;
	start();
	t0 = now_us();
	fd = tcp_connect(t->port);
	send_str(fd, "ok\nhal");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	ck_assert_uint_eq(wait_for(&lst(0)->idle_closed, 1), 1);
	ck_assert_int_ge(now_us() - t0, 900000);
	ck_assert_uint_eq(lst(0)->closed_mid_frame, 1);
	ck_assert_uint_eq(lst(0)->active, 0);
	ck_assert_uint_eq(pst()->messages, 1);
	ck_assert(peer_closed(fd));
	close(fd);
}
END_TEST

START_TEST(test_listen_udp)
{
	struct conf_listen	*u;
	char			 big[100];

	u = listen_add(PROTO_UDP);
	start();
	memset(big, 'x', sizeof(big));
	udp_send(u->port, "hello", 5);
	udp_send(u->port, "world\r\n", 7);
	udp_send(u->port, "", 0);
	udp_send(u->port, big, sizeof(big));
	udp_send(u->port, big, 64);
	ck_assert_uint_eq(wait_for(&lst(0)->datagrams, 5), 5);
	run_for(20000);
	ck_assert_uint_eq(lst(0)->datagrams, 5);
	ck_assert_uint_eq(lst(0)->messages, 3);
	ck_assert_uint_eq(lst(0)->truncated, 1);
	ck_assert_uint_eq(lst(0)->empty, 1);
	ck_assert_uint_eq(lst(0)->bytes, 5 + 7 + 65 + 64);
	ck_assert_uint_eq(pst()->messages, 3);
	ck_assert_uint_eq(pst()->bytes, 5 + 5 + 64);
	ck_assert_uint_eq(pst()->skipped[SKIP_TOO_LONG], 1);
	ck_assert_uint_eq(pst()->skipped[SKIP_EMPTY], 1);
}
END_TEST


/*
 * A wake-up takes batch after batch while the kernel has more: 150
 * datagrams waiting (more than two batches of 64) are all read in one
 * pass of the loop.
 */
START_TEST(test_listen_udp_wakeup)
{
	struct conf_listen	*u;
	char			 msg[16];
	int			 i, n;

	u = listen_add(PROTO_UDP);
	u->rcvbuf = 1024 * 1024;
	start();
	for (i = 0; i < 150; i++) {
		n = snprintf(msg, sizeof(msg), "m%03d", i);
		udp_send(u->port, msg, (size_t)n);
	}
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_uint_eq(lst(0)->datagrams, 150);
	ck_assert_uint_eq(lst(0)->kernel_drops, 0);
	ck_assert_uint_eq(pst()->messages, 150);
	ck_assert_uint_eq(pst()->bytes, 150 * 4);
}
END_TEST

/*
 * A tiny receive buffer overflows while the loop sleeps. The kernel
 * reports its count with the next datagram queued; every datagram sent is
 * then either read or counted as a kernel drop.
 */
START_TEST(test_listen_udp_kernel_drops)
{
	struct conf_listen	*u;
	char			 buf[200];
	int			 i;

	u = listen_add(PROTO_UDP);
	u->rcvbuf = 4096;
	cf->max_message = sizeof(buf);
	start();
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 300; i++)
		udp_send(u->port, buf, sizeof(buf));
	run_for(100000);
	ck_assert_uint_gt(lst(0)->datagrams, 0);
	ck_assert_uint_lt(lst(0)->datagrams, 300);
	udp_send(u->port, buf, sizeof(buf));
	run_for(100000);
	ck_assert_uint_gt(lst(0)->kernel_drops, 0);
	ck_assert_uint_eq(lst(0)->datagrams + lst(0)->kernel_drops, 301);
	ck_assert_uint_eq(pst()->messages, lst(0)->datagrams);
}
END_TEST

/*
 * Graceful stop: no new connections, UDP datagrams already queued are
 * read, complete frames still in the kernel are framed, a half frame is
 * counted, and a peer that had closed gets its last line.
 */
START_TEST(test_listen_stop_drain)
{
	struct conf_listen	*t, *u;
	struct sockaddr_in	 sin;
	int			 a, b, fd;

	t = listen_add(PROTO_TCP);
	u = listen_add(PROTO_UDP);
	start();
	a = tcp_connect(t->port);
	b = tcp_connect(t->port);
	ck_assert_uint_eq(wait_for(&lst(0)->accepted, 2), 2);
	send_str(a, "a\nb\nhal");
	send_str(b, "z\nlast");
	close(b);
	udp_send(u->port, "u1", 2);
	udp_send(u->port, "u2", 2);
	listeners_stop(ls);
	ck_assert_uint_eq(lst(1)->messages, 2);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(t->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    -1);
	close(fd);
	listeners_drain(ls);
	ck_assert_uint_eq(lst(0)->messages, 4);
	ck_assert_uint_eq(lst(0)->closed_mid_frame, 1);
	ck_assert_uint_eq(lst(0)->active, 0);
	ck_assert_uint_eq(pst()->messages, 6);
	ck_assert_uint_eq(pst()->skipped[SKIP_BAD_FRAME], 1);
	/* libevent closes a freed bufferevent's socket in the loop. */
	run_for(20000);
	ck_assert(peer_closed(a));
	close(a);
	listeners_stop(ls);
	listeners_drain(ls);
}
END_TEST

/*
 * Out of descriptors, accept(2) fails: the listener pauses for a second
 * (counted once, no spinning) and then takes the waiting connection.
 */
START_TEST(test_listen_emfile_backoff)
{
	struct conf_listen	*t;
	struct rlimit		 rl, low;
	int64_t			 t0;
	int			 fd, lowest;

	t = listen_add(PROTO_TCP);
	start();
	fd = tcp_connect(t->port);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_ne(lowest = dup(0), -1);
	close(lowest);
	low = rl;
	low.rlim_cur = (rlim_t)lowest;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	t0 = now_us();
	ck_assert_uint_eq(wait_for(&lst(0)->fd_backoffs, 1), 1);
	run_for(300000);
	ck_assert_uint_eq(lst(0)->fd_backoffs, 1);
	ck_assert_uint_eq(lst(0)->accepted, 0);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_uint_eq(wait_for(&lst(0)->accepted, 1), 1);
	ck_assert_int_ge(now_us() - t0, 900000);
	ck_assert_uint_eq(lst(0)->fd_backoffs, 1);
	close(fd);
}
END_TEST

START_TEST(test_listen_bind_error)
{
	struct conf_listen	*t;
	struct sockaddr_in	 sin;
	char			 err[256], want[256];
	int			 fd;

	t = listen_add(PROTO_TCP);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(t->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_ptr_null(try_start(err, sizeof(err)));
	snprintf(want, sizeof(want), "listen t: 127.0.0.1 port %u: %s",
	    (unsigned int)t->port, strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	close(fd);
	pipeline_free(pl);

	t->addresses[0] = (char *)"localhost";
	ck_assert_ptr_null(try_start(err, sizeof(err)));
	ck_assert_str_eq(err, "listen t: localhost: not an IP address");
}
END_TEST

/* IPV6_V6ONLY: 0.0.0.0 and :: bind side by side on one port. */
START_TEST(test_listen_dual_stack)
{
	struct conf_listen	*t;
	char			 want[128];
	int			 fd;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd == -1) {
		fprintf(stderr, "no IPv6: dual-stack test skipped\n");
		return;
	}
	close(fd);
	t = listen_add(PROTO_TCP);
	t->addresses[0] = (char *)"0.0.0.0";
	t->addresses[1] = (char *)"::";
	t->naddresses = 2;
	start();
	snprintf(want, sizeof(want), "tcp 0.0.0.0:%u, [::]:%u",
	    (unsigned int)t->port, (unsigned int)t->port);
	ck_assert_uint_eq(listeners_count(ls), 1);
	ck_assert_str_eq(listeners_name(ls, 0), "t");
	ck_assert_str_eq(listeners_describe(ls, 0), want);
	ck_assert_ptr_null(listeners_describe(ls, 1));
}
END_TEST

/* One line per reason and interval, none when nothing moved. */
START_TEST(test_listen_log_drops)
{
	struct conf_listen	*t;
	char			 big[100], *text;
	FILE			*tmp;
	int			 fd, saved;

	t = listen_add(PROTO_TCP);
	t->max_connections = 1;
	start();
	memset(big, 'x', sizeof(big));
	fd = tcp_connect(t->port);
	send_all(fd, big, sizeof(big));
	send_str(fd, "\n");
	send_all(fd, big, sizeof(big));
	send_str(fd, "\nok\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	close(tcp_connect(t->port));
	ck_assert_uint_eq(wait_for(&lst(0)->refused_limit, 1), 1);
	saved = stderr_begin(&tmp);
	listeners_log_drops(ls);
	listeners_log_drops(ls);
	text = stderr_end(tmp, saved);
	ck_assert_uint_eq(count_in(text, "\n"), 2);
	ck_assert_uint_eq(count_in(text, "listen t: dropped 2 messages in the "
	    "last interval (too_long)\n"), 1);
	ck_assert_uint_eq(count_in(text, "listen t: refused 1 connections in "
	    "the last interval (limit)\n"), 1);
	close(fd);
}
END_TEST

/* A self-signed certificate from openssl(1); 0 when there is none. */
static int
make_cert(void)
{
	char	 cmd[512];

	snprintf(tlsdir, sizeof(tlsdir), "/tmp/check_listen.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tlsdir));
	snprintf(certfile, sizeof(certfile), "%s/cert.pem", tlsdir);
	snprintf(keyfile, sizeof(keyfile), "%s/key.pem", tlsdir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey rsa:2048 -nodes "
	    "-subj /CN=localhost -days 1 -keyout %s -out %s >/dev/null 2>&1",
	    keyfile, certfile);
	if (system(cmd) != 0) {
		fprintf(stderr, "openssl(1) cannot make a certificate: "
		    "TLS test skipped\n");
		return (0);
	}
	return (1);
}

static struct conf_listen *
tls_add(void)
{
	struct conf_listen	*s;

	s = listen_add(PROTO_TLS);
	s->cert_file = certfile;
	s->key_file = keyfile;
	return (s);
}

/* A client context; with a certificate when cert is not NULL. */
static SSL_CTX *
client_ctx(const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	ck_assert_ptr_nonnull(ctx = SSL_CTX_new(TLS_client_method()));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (cert != NULL) {
		ck_assert_int_eq(SSL_CTX_use_certificate_file(ctx, cert,
		    SSL_FILETYPE_PEM), 1);
		ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, key,
		    SSL_FILETYPE_PEM), 1);
	}
	return (ctx);
}

/* Run an OpenSSL call on a non-blocking socket, the server loop between. */
static int
tls_step(SSL *ssl, int r)
{
	int	 e = SSL_get_error(ssl, r);

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return (-1);
	loop_once();
	return (0);
}

/* A TLS client on a non-blocking socket; NULL if the handshake fails. */
static SSL *
tls_try_connect(SSL_CTX *ctx, uint16_t port, int *fdp)
{
	SSL	*ssl;
	int64_t	 end = now_us() + DEADLINE;
	int	 r;

	*fdp = tcp_connect(port);
	ck_assert_int_eq(fcntl(*fdp, F_SETFL, O_NONBLOCK), 0);
	ck_assert_ptr_nonnull(ssl = SSL_new(ctx));
	SSL_set_fd(ssl, *fdp);
	while ((r = SSL_connect(ssl)) != 1 && now_us() < end)
		if (tls_step(ssl, r) == -1)
			break;
	if (r == 1)
		return (ssl);
	ERR_clear_error();
	SSL_free(ssl);
	return (NULL);
}

static SSL *
tls_connect(SSL_CTX *ctx, uint16_t port, int *fdp)
{
	SSL	*ssl;

	ck_assert_ptr_nonnull(ssl = tls_try_connect(ctx, port, fdp));
	return (ssl);
}

static void
tls_send(SSL *ssl, const char *s)
{
	int64_t	 end = now_us() + DEADLINE;
	int	 r;

	while ((r = SSL_write(ssl, s, (int)strlen(s))) <= 0 && now_us() < end)
		ck_assert_int_eq(tls_step(ssl, r), 0);
	ck_assert_int_eq(r, (int)strlen(s));
}

static void
tls_close(SSL *ssl, int fd)
{
	SSL_free(ssl);
	close(fd);
}

START_TEST(test_listen_tls)
{
	struct conf_listen	*s;
	SSL_CTX			*ctx;
	SSL			*ssl;
	char			 want[64];
	int			 fd;

	if (!make_cert())
		return;
	s = tls_add();
	start();
	snprintf(want, sizeof(want), "tls 127.0.0.1:%u", (unsigned int)s->port);
	ck_assert_str_eq(listeners_describe(ls, 0), want);
	ctx = client_ctx(NULL, NULL);
	ssl = tls_connect(ctx, s->port, &fd);
	ck_assert_int_ge(SSL_version(ssl), TLS1_2_VERSION);
	tls_send(ssl, "5 hello");
	tls_send(ssl, "6 world!3 abc");
	ck_assert_uint_eq(wait_for(&pst()->messages, 3), 3);
	ck_assert_uint_eq(pst()->bytes, 5 + 6 + 3);
	ck_assert_uint_eq(lst(0)->handshake_failed, 0);
	tls_close(ssl, fd);
	ck_assert_uint_eq(wait_for(&lst(0)->accepted, 1), 1);
	run_for(50000);
	ck_assert_uint_eq(lst(0)->active, 0);
	ck_assert_uint_eq(lst(0)->closed_mid_frame, 0);
	SSL_CTX_free(ctx);
}
END_TEST

/*
 * Plain TCP to a TLS port fails the handshake: counted, logged (at most
 * LOG_RATE_BURST times a minute), never fatal; a good client is served
 * right after.
 */
START_TEST(test_listen_tls_plain_client)
{
	struct conf_listen	*s;
	SSL_CTX			*ctx;
	SSL			*ssl;
	FILE			*tmp;
	char			*text;
	int			 a, b, fd, saved;

	if (!make_cert())
		return;
	s = tls_add();
	start();
	saved = stderr_begin(&tmp);
	a = tcp_connect(s->port);
	send_str(a, "hello\n");
	b = tcp_connect(s->port);
	send_str(b, "5 hello");
	wait_for(&lst(0)->handshake_failed, 2);
	text = stderr_end(tmp, saved);
	ck_assert_uint_eq(lst(0)->handshake_failed, 2);
	ck_assert_uint_eq(count_in(text, "listen s: TLS handshake with "
	    "127.0.0.1 failed: "), 2);
	ck_assert_uint_eq(count_in(text, "wrong version number\n"), 2);
	ck_assert_uint_eq(pst()->messages, 0);
	ck_assert_uint_eq(lst(0)->active, 0);
	close(a);
	close(b);
	ctx = client_ctx(NULL, NULL);
	ssl = tls_connect(ctx, s->port, &fd);
	tls_send(ssl, "2 ok");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	tls_close(ssl, fd);
	SSL_CTX_free(ctx);
}
END_TEST

START_TEST(test_listen_tls_handshake_timeout)
{
	struct conf_listen	*s;
	int64_t			 t0;
	int			 fd;

	if (!make_cert())
		return;
	s = tls_add();
	s->handshake_timeout = T_SEC;
	s->idle_timeout = 60 * T_SEC;
	start();
	t0 = now_us();
	fd = tcp_connect(s->port);
	ck_assert_uint_eq(wait_for(&lst(0)->handshake_failed, 1), 1);
	ck_assert_int_ge(now_us() - t0, 900000);
	ck_assert_uint_eq(lst(0)->idle_closed, 0);
	ck_assert_uint_eq(lst(0)->active, 0);
	close(fd);
}
END_TEST

/* client_cert = require: refused without a certificate, served with. */
START_TEST(test_listen_tls_client_cert)
{
	struct conf_listen	*s;
	SSL_CTX			*bare, *withcert;
	SSL			*ssl;
	int			 fd;

	if (!make_cert())
		return;
	s = tls_add();
	s->ca_file = certfile;
	s->client_cert = CLIENT_CERT_REQUIRE;
	start();
	bare = client_ctx(NULL, NULL);
	withcert = client_ctx(certfile, keyfile);
	/* TLS 1.3 clients finish before the server checks their side. */
	if ((ssl = tls_try_connect(bare, s->port, &fd)) != NULL) {
		SSL_write(ssl, "2 no", 4);
		ERR_clear_error();
	}
	ck_assert_uint_eq(wait_for(&lst(0)->handshake_failed, 1), 1);
	SSL_free(ssl);
	close(fd);
	ssl = tls_connect(withcert, s->port, &fd);
	tls_send(ssl, "3 yes");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	ck_assert_uint_eq(pst()->bytes, 3);
	ck_assert_uint_eq(lst(0)->handshake_failed, 1);
	tls_close(ssl, fd);
	SSL_CTX_free(bare);
	SSL_CTX_free(withcert);
}
END_TEST

START_TEST(test_listen_tls_bad_files)
{
	struct conf_listen	*s;
	char			 err[256];

	if (!make_cert())
		return;
	s = tls_add();
	s->cert_file = (char *)"/nonexistent/cert.pem";
	ck_assert_ptr_null(try_start(err, sizeof(err)));
	ck_assert_msg(strncmp(err, "listen s: cert_file /nonexistent/"
	    "cert.pem: ", 43) == 0, "%s", err);
	pipeline_free(pl);
	s->cert_file = certfile;
	s->client_cert = CLIENT_CERT_REQUIRE;
	ck_assert_ptr_null(try_start(err, sizeof(err)));
	ck_assert_str_eq(err, "listen s: ca_file: not set");
}
END_TEST

/* A listener section like listen_add()'s, into an array of our own. */
static void
section(struct conf_listen *l, const char *name, enum listen_proto proto,
    uint16_t port)
{
	memset(l, 0, sizeof(*l));
	l->name = (char *)name;
	l->proto = proto;
	l->addresses[0] = (char *)"127.0.0.1";
	l->naddresses = 1;
	l->port = port;
	cidr_list_init(&l->allow);
	l->max_connections = 100;
	l->max_per_source = 100;
	l->idle_timeout = 60 * T_SEC;
	l->handshake_timeout = 5 * T_SEC;
}

/* The running listeners take the sections of next, or fail whole. */
static struct listeners_next *
reload(struct conf *cur, struct conf_listen *v, size_t n, char *err,
    size_t errlen)
{
	struct listeners_next	*nx;
	struct conf		 next;

	memset(&next, 0, sizeof(next));
	next.listens = v;
	next.nlistens = n;
	nx = listeners_prepare(ls, cur, &next, err, errlen);
	if (nx != NULL)
		listeners_commit(ls, nx);
	return (nx);
}

static int
tcp_refused(uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd, rv;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	rv = connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno == ECONNREFUSED;
	close(fd);
	return (rv);
}

/* What differs decides whether a running listener can take it. */
START_TEST(test_listen_conf_change)
{
	struct conf_listen	 a, b;

	section(&a, "t", PROTO_TCP, 7000);
	section(&b, "t", PROTO_TCP, 7000);
	ck_assert_int_eq(listen_conf_change(&a, &b), LISTEN_SAME);
	b.max_connections = 5;
	b.idle_timeout = T_SEC;
	ck_assert_int_eq(listen_conf_change(&a, &b), LISTEN_SETTINGS);
	b.addresses[0] = (char *)"::1";
	ck_assert_int_eq(listen_conf_change(&a, &b), LISTEN_REPLACE);
	section(&b, "t", PROTO_TCP, 7001);
	ck_assert_int_eq(listen_conf_change(&a, &b), LISTEN_REPLACE);
	section(&b, "t", PROTO_TLS, 7000);
	ck_assert_int_eq(listen_conf_change(&a, &b), LISTEN_REPLACE);
}
END_TEST

/*
 * Reloads: a listener whose settings change keeps its connections; a
 * new one accepts; a removed one refuses; one moved to another port has
 * its connections' buffered messages processed, then closed; a renamed
 * one takes over its socket; and a reload that cannot bind changes
 * nothing.
 */
START_TEST(test_listen_reload)
{
	struct conf_listen	 v1[2], v2[2], v3[2], v4[3];
	struct conf		 cur;
	struct sockaddr_in	 sin;
	char			 err[256] = "";
	uint16_t		 p1, p2, p3;
	int			 fd1, fd2, busy;

	listen_add(PROTO_TCP);
	listen_add(PROTO_UDP);
	start();
	p1 = lc[0].port;
	memset(&cur, 0, sizeof(cur));
	cur.listens = lc;
	cur.nlistens = 2;
	fd1 = tcp_connect(p1);
	send_str(fd1, "one\n");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);

	/* t: a setting; u: gone; t2: new. */
	p2 = free_port(SOCK_STREAM);
	section(&v1[0], "t", PROTO_TCP, p1);
	v1[0].max_connections = 50;
	section(&v1[1], "t2", PROTO_TCP, p2);
	ck_assert_ptr_nonnull(reload(&cur, v1, 2, err, sizeof(err)));
	ck_assert_uint_eq(listeners_count(ls), 2);
	ck_assert_str_eq(listeners_name(ls, 0), "t");
	ck_assert_str_eq(listeners_name(ls, 1), "t2");
	ck_assert_uint_eq(lst(0)->active, 1);
	send_str(fd1, "two\n");
	ck_assert_uint_eq(wait_for(&lst(0)->messages, 2), 2);
	fd2 = tcp_connect(p2);
	send_str(fd2, "three\n");
	ck_assert_uint_eq(wait_for(&lst(1)->messages, 1), 1);
	close(fd2);

	/* t moves to p3: what fd1 sent is processed, then it is closed. */
	cur.listens = v1;
	p3 = free_port(SOCK_STREAM);
	section(&v2[0], "t", PROTO_TCP, p3);
	section(&v2[1], "t2", PROTO_TCP, p2);
	send_str(fd1, "four\n");
	usleep(100000);
	ck_assert_ptr_nonnull(reload(&cur, v2, 2, err, sizeof(err)));
	ck_assert_uint_eq(lst(0)->messages, 3);
	ck_assert_uint_eq(lst(0)->active, 0);
	run_for(200000);		/* libevent closes on its next turn */
	ck_assert_int_eq(peer_closed(fd1), 1);
	close(fd1);
	ck_assert_int_eq(tcp_refused(p1), 1);
	fd1 = tcp_connect(p3);
	send_str(fd1, "five\n");
	ck_assert_uint_eq(wait_for(&lst(0)->messages, 4), 4);
	close(fd1);

	/* t2 renamed t3: the socket is taken over, not bound again. */
	cur.listens = v2;
	section(&v3[0], "t", PROTO_TCP, p3);
	section(&v3[1], "t3", PROTO_TCP, p2);
	ck_assert_msg(reload(&cur, v3, 2, err, sizeof(err)) != NULL, "%s",
	    err);
	ck_assert_str_eq(listeners_name(ls, 1), "t3");
	fd2 = tcp_connect(p2);
	send_str(fd2, "six\n");
	ck_assert_uint_eq(wait_for(&lst(1)->messages, 1), 1);
	close(fd2);

	/* A port in use: the reload fails, the running ones go on. */
	cur.listens = v3;
	v4[0] = v3[0];
	v4[1] = v3[1];
	section(&v4[2], "t4", PROTO_TCP, free_port(SOCK_STREAM));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(v4[2].port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(busy = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(busy, 1), 0);
	v4[1].port = free_port(SOCK_STREAM);
	ck_assert_ptr_null(reload(&cur, v4, 3, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "listen t4: 127.0.0.1 port"));
	close(busy);
	ck_assert_uint_eq(listeners_count(ls), 2);
	ck_assert_int_eq(tcp_refused(v4[1].port), 1);
	fd2 = tcp_connect(p2);
	send_str(fd2, "seven\n");
	ck_assert_uint_eq(wait_for(&lst(1)->messages, 2), 2);
	close(fd2);
}
END_TEST

/*
 * A TLS listener reads its files again on a reload. If they are gone,
 * an unchanged section keeps the certificate in use (the daemon may no
 * longer be allowed to read them); a changed one fails the reload.
 */
START_TEST(test_listen_reload_tls)
{
	struct conf_listen	*s, v;
	struct conf		 cur;
	SSL_CTX			*ctx;
	SSL			*ssl;
	FILE			*tmp;
	char			 err[256] = "", *text;
	int			 fd, saved;

	if (!make_cert())
		return;
	s = tls_add();
	start();
	memset(&cur, 0, sizeof(cur));
	cur.listens = lc;
	cur.nlistens = 1;
	v = *s;
	ck_assert_msg(reload(&cur, &v, 1, err, sizeof(err)) != NULL, "%s",
	    err);
	ck_assert_int_eq(unlink(certfile), 0);
	saved = stderr_begin(&tmp);
	ck_assert_ptr_nonnull(reload(&cur, &v, 1, err, sizeof(err)));
	text = stderr_end(tmp, saved);
	ck_assert_msg(strstr(text, "the certificate in use stays") != NULL,
	    "%s", text);
	v.handshake_timeout = 2 * T_SEC;
	ck_assert_ptr_null(reload(&cur, &v, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cert_file"));
	ctx = client_ctx(NULL, NULL);
	ssl = tls_connect(ctx, s->port, &fd);
	tls_send(ssl, "5 hello");
	ck_assert_uint_eq(wait_for(&pst()->messages, 1), 1);
	tls_close(ssl, fd);
	SSL_CTX_free(ctx);
}
END_TEST


static Suite *
listen_suite(void)
{
	Suite	*s = suite_create("listen");
	TCase	*tc = tcase_create("listen");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_listen_tcp_lf);
	tcase_add_test(tc, test_listen_tcp_octet);
	tcase_add_test(tc, test_listen_tcp_crlf_nul);
	tcase_add_test(tc, test_listen_tcp_record);
	tcase_add_test(tc, test_listen_tcp_too_long);
	tcase_add_test(tc, test_listen_tcp_max_frame);
	tcase_add_test(tc, test_listen_tcp_bulk);
	tcase_add_test(tc, test_listen_after_hook);
	tcase_add_test(tc, test_listen_tcp_bad_frame);
	tcase_add_test(tc, test_listen_half_frame);
	tcase_add_test(tc, test_listen_allow_refuses);
	tcase_add_test(tc, test_listen_allow_admits);
	tcase_add_test(tc, test_listen_max_per_source);
	tcase_add_test(tc, test_listen_max_connections);
	tcase_add_test(tc, test_listen_idle_timeout);
	tcase_add_test(tc, test_listen_udp);
	tcase_add_test(tc, test_listen_udp_wakeup);
	tcase_add_test(tc, test_listen_udp_kernel_drops);
	tcase_add_test(tc, test_listen_stop_drain);
	tcase_add_test(tc, test_listen_emfile_backoff);
	tcase_add_test(tc, test_listen_bind_error);
	tcase_add_test(tc, test_listen_dual_stack);
	tcase_add_test(tc, test_listen_log_drops);
	tcase_add_test(tc, test_listen_conf_change);
	tcase_add_test(tc, test_listen_reload);
	tcase_add_test(tc, test_listen_reload_tls);
	tcase_add_test(tc, test_listen_tls);
	tcase_add_test(tc, test_listen_tls_plain_client);
	tcase_add_test(tc, test_listen_tls_handshake_timeout);
	tcase_add_test(tc, test_listen_tls_client_cert);
	tcase_add_test(tc, test_listen_tls_bad_files);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(listen_suite());
	int	 failed;

	/* As the daemon does: a peer gone mid-handshake must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
