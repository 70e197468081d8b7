/*
 * signetd: the syslog transport. target = udp://HOST:PORT (one datagram
 * per message), tcp://HOST:PORT or tls://HOST:PORT (octet counting, RFC
 * 6587 3.4.1 and RFC 5425 4.3, over one connection kept open), or
 * unix:PATH (a datagram socket such as /dev/log). The message, header
 * and all, was rendered when the alert was queued.
 *
 * A stream batch counts as delivered once the kernel has taken all of it
 * (the bufferevent's output drained): syslog has no acknowledgement, so a
 * peer that dies with unread data loses it, as any syslog sender does. A
 * connection that fails is dropped and made again at the next attempt,
 * after the output's back-off. Datagrams are sent at once; the outcome is
 * reported from the output's timer, never from within send.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "log.h"
#include "output_int.h"
#include "xmalloc.h"

#define SLOG_FINISH_MS	500

#define SLOG_BATCH_STREAM	64
#define SLOG_HOST_MAX		255

enum slog_kind {
	SLOG_UDP = 0,
	SLOG_TCP,
	SLOG_TLS,
	SLOG_UNIX
};

struct slog_target {
	enum slog_kind	 kind;
	char		 host[SLOG_HOST_MAX + 1];	/* or the unix path */
	char		 port[8];
};

struct slog {
	struct slog_target	 t;
	int			 fd;		/* udp and unix */
	struct bufferevent	*bev;		/* tcp and tls */
	int			 connected;
	SSL_CTX			*ctx;
	int64_t			 deadline;
	enum output_verdict	 verdict;	/* of a datagram batch */
	char			 why[128];
};

static int	 slog_parse(const char *, struct slog_target *, char *, size_t);
static int	 slog_open(struct output *, char *, size_t);
static int	 slog_open_dgram(struct output *, char *, size_t);
static int	 slog_connect_unix(struct slog *);
static void	 slog_close(struct output *);
static size_t	 slog_batch(const struct output *);
static int	 slog_send(struct output *, const struct outq_item *, size_t);
static int	 slog_send_dgram(struct output *, const struct outq_item *,
		    size_t);
static int	 slog_connect(struct output *);
static void	 slog_drop(struct slog *);
static int	 slog_timeout(struct output *);
static void	 slog_read_cb(struct bufferevent *, void *);
static void	 slog_write_cb(struct bufferevent *, void *);
static void	 slog_event_cb(struct bufferevent *, short, void *);
static void	 slog_hostname(struct output *);

const struct output_ops output_syslog_ops = {
	slog_open,
	slog_send,
	slog_timeout,
	slog_close,
	slog_batch
};

/*
 * "udp://HOST:PORT", "tcp://..", "tls://.." (HOST a name, an IPv4
 * address or an IPv6 one in brackets; PORT 514, or 6514 for tls, when
 * left out) or "unix:PATH".
 */
static int
slog_parse(const char *s, struct slog_target *t, char *why, size_t len)
{
	static const struct {
		const char	*prefix;
		enum slog_kind	 kind;
		const char	*port;
	} kinds[] = {
		{ "udp://", SLOG_UDP, "514" },
		{ "tcp://", SLOG_TCP, "514" },
		{ "tls://", SLOG_TLS, "6514" },
	};
	const char	*h, *e, *p = NULL;
	size_t		 i, n;
	char		*end;
	long		 port;

	memset(t, 0, sizeof(*t));
	if (strncmp(s, "unix:", 5) == 0) {
		t->kind = SLOG_UNIX;
		if (s[5] != '/' || strlen(s + 5) >= sizeof(((struct
		    sockaddr_un *)0)->sun_path)) {
			snprintf(why, len, "target: unix: needs an absolute "
			    "path of at most 107 bytes");
			return (-1);
		}
		snprintf(t->host, sizeof(t->host), "%s", s + 5);
		return (0);
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(s, kinds[i].prefix, 6) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(why, len, "target: not udp://, tcp://, tls:// or "
		    "unix:");
		return (-1);
	}
	t->kind = kinds[i].kind;
	h = s + 6;
	if (*h == '[') {
		if ((e = strchr(h, ']')) == NULL)
			goto bad;
		h++;
		p = e[1] == ':' ? e + 2 : e[1] == '\0' ? NULL : "";
	} else {
		e = h + strcspn(h, ":/");
		p = *e == ':' ? e + 1 : *e == '\0' ? NULL : "";
	}
	n = (size_t)(e - h);
	if (n == 0 || n > SLOG_HOST_MAX || (p != NULL && *p == '\0'))
		goto bad;
	memcpy(t->host, h, n);
	t->host[n] = '\0';
	if (strspn(t->host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
	    "WXYZ0123456789.-:") != n)
		goto bad;
	if (p == NULL) {
		snprintf(t->port, sizeof(t->port), "%s", kinds[i].port);
		return (0);
	}
	errno = 0;
	port = strtol(p, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535 ||
	    *p < '0' || *p > '9')
		goto bad;
	snprintf(t->port, sizeof(t->port), "%ld", port);
	return (0);
bad:
	snprintf(why, len, "target: expected %sHOST:PORT", kinds[i].prefix);
	return (-1);
}

int
output_syslog_check(const struct conf_output *co, char *why, size_t len)
{
	struct slog_target	 t;

	if (co->target == NULL) {
		snprintf(why, len, "type syslog needs a target");
		return (-1);
	}
	if (slog_parse(co->target, &t, why, len) == -1)
		return (-1);
	if (co->app_name != NULL && (strlen(co->app_name) > 48 ||
	    strspn(co->app_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
	    "QRSTUVWXYZ0123456789._-") != strlen(co->app_name))) {
		snprintf(why, len, "app_name: 1 to 48 letters, digits, '.', "
		    "'_' or '-'");
		return (-1);
	}
	return (0);
}

/* HOSTNAME of the header: this host's name, printable, or "-". */
static void
slog_hostname(struct output *o)
{
	char	 h[SLOG_HOST_MAX + 1];
	size_t	 i;

	if (gethostname(h, sizeof(h)) == -1 || h[0] == '\0')
		snprintf(h, sizeof(h), "-");
	h[sizeof(h) - 1] = '\0';
	for (i = 0; h[i] != '\0'; i++)
		if ((unsigned char)h[i] <= 0x20 || (unsigned char)h[i] >= 0x7f)
			h[i] = '_';
	o->hostname = xstrdup(h);
	o->rs.hostname = o->hostname;
	o->rs.app_name = o->co->app_name != NULL ? o->co->app_name :
	    "signetd";
	o->rs.facility = o->co->facility;
	o->rs.rfc3164 = o->co->protocol == SYSLOG_RFC3164;
	o->rs.pid = (long)getpid();
}

/*
 * A connected datagram socket: the peer's address is looked up once,
 * here, at start (udp takes no connection to make later).
 */
static int
slog_open_dgram(struct output *o, char *err, size_t errlen)
{
	struct slog		*s = o->impl;
	struct addrinfo		 hints, *res = NULL;
	int			 rv;

	if (s->t.kind == SLOG_UNIX) {
		s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (s->fd == -1)
			goto fail;
		/* Not there yet (syslogd restarting): sends will retry. */
		if (slog_connect_unix(s) == -1)
			log_warn("output %s: %s", o->name, s->t.host);
		return (0);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if ((rv = getaddrinfo(s->t.host, s->t.port, &hints, &res)) != 0) {
		snprintf(err, errlen, "output %s: %s: %s", o->name, s->t.host,
		    gai_strerror(rv));
		return (-1);
	}
	s->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1 || connect(s->fd, res->ai_addr, res->ai_addrlen) ==
	    -1) {
		freeaddrinfo(res);
		goto fail;
	}
	freeaddrinfo(res);
	return (0);
fail:
	snprintf(err, errlen, "output %s: %s: %s", o->name, s->t.host,
	    strerror(errno));
	return (-1);
}

static int
slog_open(struct output *o, char *err, size_t errlen)
{
	struct slog	*s;
	char		 why[256];

	s = xcalloc(1, sizeof(*s));
	s->fd = -1;
	o->impl = s;
	if (slog_parse(o->co->target, &s->t, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "output %s: %s", o->name, why);
		return (-1);
	}
	slog_hostname(o);
	if (s->t.kind == SLOG_UDP || s->t.kind == SLOG_UNIX)
		return (slog_open_dgram(o, err, errlen));
	if (s->t.kind == SLOG_TLS &&
	    (s->ctx = output_tls_ctx(o, err, errlen)) == NULL)
		return (-1);
	return (0);
}

/*
 * The last close of a stream connection: a TLS close_notify and a FIN
 * after what we wrote, then what the server still sends is read until
 * its EOF, for at most SLOG_FINISH_MS. Closing with unread input sends a
 * RST instead of a FIN, and a receiver that gets it may drop what it had
 * not yet read of ours (seen with rsyslog's TLS input: 3 of 24 alerts).
 */
static void
slog_finish(struct slog *s)
{
	struct pollfd	 pfd;
	char		 buf[4096];
	SSL		*ssl;
	ssize_t		 n;
	int		 i;

	if (s->bev == NULL || !s->connected ||
	    (s->t.kind != SLOG_TCP && s->t.kind != SLOG_TLS) ||
	    (pfd.fd = bufferevent_getfd(s->bev)) < 0)
		return;
	if (s->t.kind == SLOG_TLS &&
	    (ssl = bufferevent_openssl_get_ssl(s->bev)) != NULL)
		(void)SSL_shutdown(ssl);
	(void)shutdown(pfd.fd, SHUT_WR);
	pfd.events = POLLIN;
	for (i = 0; i < SLOG_FINISH_MS / 10; i++) {
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		n = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			break;
	}
}

static void
slog_close(struct output *o)
{
	struct slog	*s = o->impl;

	slog_finish(s);
	slog_drop(s);
	if (s->fd != -1)
		close(s->fd);
	SSL_CTX_free(s->ctx);
	free(s);
	o->impl = NULL;
}

static size_t
slog_batch(const struct output *o)
{
	const struct slog	*s = o->impl;

	return (s->t.kind == SLOG_TCP || s->t.kind == SLOG_TLS ?
	    SLOG_BATCH_STREAM : 1);
}

/*
 * (Again) to the unix socket's path: a syslogd that restarts makes a new
 * socket there, and a datagram socket may connect anew.
 */
static int
slog_connect_unix(struct slog *s)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* slog_parse() made sure it fits. */
	memcpy(sun.sun_path, s->t.host, strlen(s->t.host) + 1);
	return (connect(s->fd, (struct sockaddr *)&sun, sizeof(sun)));
}

/* One datagram per message; the verdict waits for the timer. */
static int
slog_send_dgram(struct output *o, const struct outq_item *it, size_t n)
{
	struct slog	*s = o->impl;
	size_t		 i;

	s->verdict = OUTPUT_OK;
	for (i = 0; i < n; i++) {
		if (send(s->fd, it[i].p, it[i].len, 0) == (ssize_t)it[i].len)
			continue;
		snprintf(s->why, sizeof(s->why), "%.64s: %s", s->t.host,
		    strerror(errno));
		/* Too big for a datagram: it never will be sent. */
		s->verdict = errno == EMSGSIZE ? OUTPUT_REJECT : OUTPUT_RETRY;
		if (s->t.kind == SLOG_UNIX && (errno == ENOTCONN ||
		    errno == ECONNREFUSED || errno == ENOENT))
			(void)slog_connect_unix(s);
		break;
	}
	output_arm(o, 0);
	return (0);
}

static int
slog_send(struct output *o, const struct outq_item *it, size_t n)
{
	struct slog	*s = o->impl;
	struct evbuffer	*out;
	size_t		 i;

	if (s->t.kind == SLOG_UDP || s->t.kind == SLOG_UNIX)
		return (slog_send_dgram(o, it, n));
	if (s->bev == NULL && slog_connect(o) == -1)
		return (-1);
	out = bufferevent_get_output(s->bev);
	for (i = 0; i < n; i++) {
		evbuffer_add_printf(out, "%zu ", it[i].len);
		evbuffer_add(out, it[i].p, it[i].len);
	}
	s->deadline = output_now() + o->co->request_timeout;
	output_arm(o, s->connected ? o->co->request_timeout :
	    o->co->connect_timeout);
	return (0);
}

/* Start a connection (and for tls its handshake) to the target. */
static int
slog_connect(struct output *o)
{
	struct slog	*s = o->impl;
	struct event_base *base = output_base(o);
	SSL		*ssl;
	int		 port = atoi(s->t.port);

	if (s->t.kind == SLOG_TLS) {
		if ((ssl = output_tls_ssl(s->ctx, s->t.host,
		    o->co->tls_verify)) == NULL) {
			snprintf(o->stats.last_error,
			    sizeof(o->stats.last_error), "TLS setup failed");
			return (-1);
		}
		s->bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
		    BEV_OPT_DEFER_CALLBACKS);
		if (s->bev == NULL)
			SSL_free(ssl);
	} else
		s->bev = bufferevent_socket_new(base, -1,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (s->bev == NULL) {
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "cannot make a connection");
		return (-1);
	}
	s->connected = 0;
	bufferevent_setcb(s->bev, slog_read_cb, slog_write_cb, slog_event_cb,
	    o);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect_hostname(s->bev, output_dns(o),
	    AF_UNSPEC, s->t.host, port) == -1) {
		slog_drop(s);
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "%.128s: cannot connect", s->t.host);
		return (-1);
	}
	return (0);
}

static void
slog_drop(struct slog *s)
{
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	s->bev = NULL;
	s->connected = 0;
}

static int
slog_timeout(struct output *o)
{
	struct slog	*s = o->impl;
	int64_t		 left = s->deadline - output_now();

	if (s->t.kind == SLOG_UDP || s->t.kind == SLOG_UNIX) {
		output_done(o, s->verdict, -1, "%s", s->why);
		return (0);
	}
	if (s->connected && left > 0) {
		output_arm(o, left);
		return (1);
	}
	output_done(o, OUTPUT_RETRY, -1, "%s:%s: %s timed out", s->t.host,
	    s->t.port, s->connected ? "write" : "connection");
	slog_drop(s);
	return (0);
}

/* A syslog server says nothing; whatever it sends is thrown away. */
static void
slog_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/* All written: the batch in flight is delivered. */
static void
slog_write_cb(struct bufferevent *bev, void *arg)
{
	struct output	*o = arg;

	if (o->state == OUTPUT_BUSY)
		output_done(o, OUTPUT_OK, -1, "%s", "");
}

static void
slog_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct output	*o = arg;
	struct slog	*s = o->impl;
	SSL		*ssl;
	unsigned long	 e;
	long		 vr;
	char		 why[160];

	if (what & BEV_EVENT_CONNECTED) {
		s->connected = 1;
		if (o->state == OUTPUT_BUSY)
			output_arm(o, s->deadline - output_now());
		return;
	}
	if (s->t.kind == SLOG_TLS && (ssl = bufferevent_openssl_get_ssl(bev))
	    != NULL && (vr = SSL_get_verify_result(ssl)) != X509_V_OK)
		snprintf(why, sizeof(why), "certificate refused: %s",
		    X509_verify_cert_error_string(vr));
	else if ((e = bufferevent_get_openssl_error(bev)) != 0)
		snprintf(why, sizeof(why), "TLS: %s",
		    ERR_reason_error_string(e));
	else if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "connection closed");
	else
		snprintf(why, sizeof(why), "%s",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	slog_drop(s);
	if (o->state == OUTPUT_BUSY)
		output_done(o, OUTPUT_RETRY, -1, "%s:%s: %s", s->t.host,
		    s->t.port, why);
}
