/*
 * signetd: live inputs, the part every protocol shares. Creates one
 * listener per [listen NAME] section and binds one socket per address,
 * checks senders against the allow-list, counts connections per listener
 * and per sender, hands messages to the pipeline and keeps the counters
 * that listeners_log_drops() summarises: one line per reason and
 * interval, never one per message (OpenBSD syslogd's dropped_warn).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>
#include <openssl/ssl.h>

#include "config.h"
#include "listen_int.h"
#include "log.h"
#include "xmalloc.h"

#define LISTEN_BACKLOG	128

/* The counters listeners_log_drops() reports, one line each. */
static const struct listen_reason {
	size_t		 off;
	const char	*verb;
	const char	*what;
	const char	*why;
} listen_reasons[] = {
	{ offsetof(struct listen_stats, too_long),
	    "dropped", "messages", "too_long" },
	{ offsetof(struct listen_stats, bad_frame),
	    "dropped", "messages", "bad_frame" },
	{ offsetof(struct listen_stats, empty),
	    "dropped", "messages", "empty" },
	{ offsetof(struct listen_stats, closed_mid_frame),
	    "dropped", "messages", "closed_mid_frame" },
	{ offsetof(struct listen_stats, truncated),
	    "dropped", "datagrams", "truncated" },
	{ offsetof(struct listen_stats, kernel_drops),
	    "dropped", "datagrams", "kernel" },
	{ offsetof(struct listen_stats, refused_datagrams),
	    "dropped", "datagrams", "allow" },
	{ offsetof(struct listen_stats, refused_allow),
	    "refused", "connections", "allow" },
	{ offsetof(struct listen_stats, refused_limit),
	    "refused", "connections", "limit" },
	{ offsetof(struct listen_stats, idle_closed),
	    "closed", "connections", "idle" },
	{ offsetof(struct listen_stats, handshake_failed),
	    "failed", "TLS handshakes", "handshake" },
	{ offsetof(struct listen_stats, accept_errors),
	    "failed", "accepts", "error" },
	{ offsetof(struct listen_stats, fd_backoffs),
	    "paused accepting", "times", "out of file descriptors" },
};

#define LISTEN_NREASONS	(sizeof(listen_reasons) / sizeof(listen_reasons[0]))

static int	listen_sockaddr(const char *, uint16_t,
		    struct sockaddr_storage *, socklen_t *);
static int	listen_setopts(const struct listener *, int, int);
static int	listen_rcvbuf(const struct listener *, int);
static int	listen_bind(const struct listener *, const char *, int,
		    char *, size_t);
static char	*listen_describe(const struct conf_listen *);
static int	listener_open(struct listeners *, struct listener *,
		    const struct conf_listen *, const struct listeners *,
		    char *, size_t);
static int	listen_reuse(const struct listeners *,
		    const struct listener *, const char *, int);
static void	listener_settings(struct listener *,
		    const struct conf_listen *);
static void	listener_close(struct listener *);
static size_t	listen_src_find(const struct listener *,
		    const struct in6_addr *, int *);
static uint64_t	listen_stat(const struct listen_stats *, size_t);

/* A literal address and a port as a sockaddr; -1 if it is no address. */
static int
listen_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return (0);
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return (0);
	}
	return (-1);
}

/*
 * Options set before bind. IPV6_V6ONLY lets :: and 0.0.0.0 be bound side
 * by side. For UDP, SO_RCVBUFFORCE passes the rmem_max cap when we may;
 * SO_RXQ_OVFL makes the kernel report its drops with each datagram.
 */
static int
listen_setopts(const struct listener *l, int fd, int family)
{
	int	 on = 1;

	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1)
		return (-1);
	if (l->proto != PROTO_UDP)
		return (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
		    sizeof(on)));
	if (listen_rcvbuf(l, fd) == -1)
		return (-1);
	return (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)));
}

/* UDP: the receive buffer; also when a reload changes rcvbuf. */
static int
listen_rcvbuf(const struct listener *l, int fd)
{
	int	 sz;

	if (l->rcvbuf == 0)
		return (0);
	sz = l->rcvbuf > INT_MAX ? INT_MAX : (int)l->rcvbuf;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) ==
	    -1 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)) == -1)
		return (-1);
	return (0);
}

/* A bound (and for TCP, listening) socket, or -1 with the reason in err. */
static int
listen_bind(const struct listener *l, const char *addr, int type, char *err,
    size_t errlen)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 fd, saved;

	if (listen_sockaddr(addr, l->port, &ss, &sslen) == -1) {
		snprintf(err, errlen, "listen %s: %s: not an IP address",
		    l->name, addr);
		return (-1);
	}
	if ((fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) != -1 && listen_setopts(l, fd, ss.ss_family) == 0 &&
	    bind(fd, (struct sockaddr *)&ss, sslen) == 0 &&
	    (type != SOCK_STREAM || listen(fd, LISTEN_BACKLOG) == 0))
		return (fd);
	saved = errno;
	if (fd != -1)
		close(fd);
	snprintf(err, errlen, "listen %s: %s port %u: %s", l->name, addr,
	    (unsigned int)l->port, strerror(saved));
	return (-1);
}

/* "tcp 127.0.0.1:5514, [::1]:5514", for the line logged at start. */
static char *
listen_describe(const struct conf_listen *cl)
{
	static const char *const protos[] = { "udp", "tcp", "tls" };
	char	 buf[CONF_MAX_ADDRS * (ADDR_STRLEN + 12) + 8];
	size_t	 i, off;
	int	 v6;

	off = (size_t)snprintf(buf, sizeof(buf), "%s",
	    cl->proto <= PROTO_TLS ? protos[cl->proto] : "?");
	for (i = 0; i < cl->naddresses && off < sizeof(buf); i++) {
		v6 = strchr(cl->addresses[i], ':') != NULL;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%s%s%s:%u", i == 0 ? " " : ", ", v6 ? "[" : "",
		    cl->addresses[i], v6 ? "]" : "", (unsigned int)cl->port);
	}
	return (xstrdup(buf));
}

/*
 * Open listener l for section cl. With from, the running set during a
 * reload, an address one of its sockets is bound to is taken over (a
 * duplicate of that descriptor) rather than bound again: no gap, and no
 * clash with the socket about to close.
 */
/* The settings a reload may change on a running listener. */
static void
listener_settings(struct listener *l, const struct conf_listen *cl)
{
	cidr_list_copy(&l->allow, &cl->allow);
	l->max_connections = cl->max_connections;
	l->max_per_source = cl->max_per_source;
	l->idle_timeout = cl->idle_timeout;
	l->handshake_timeout = cl->handshake_timeout;
}

static int
listener_open(struct listeners *ls, struct listener *l,
    const struct conf_listen *cl, const struct listeners *from, char *err,
    size_t errlen)
{
	struct lsock	*s;
	size_t		 i;
	int		 fd, type;

	l->ls = ls;
	l->name = xstrdup(cl->name);
	l->desc = listen_describe(cl);
	l->proto = cl->proto;
	l->port = cl->port;
	cidr_list_init(&l->allow);
	listener_settings(l, cl);
	l->rcvbuf = cl->rcvbuf;
	TAILQ_INIT(&l->conns);
	if (l->proto == PROTO_TLS && listen_tcp_tls(l, cl, err, errlen) == -1)
		return (-1);
	type = l->proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	for (i = 0; i < cl->naddresses && i < CONF_MAX_ADDRS; i++) {
		if ((fd = listen_reuse(from, l, cl->addresses[i], type)) ==
		    -1 && (fd = listen_bind(l, cl->addresses[i], type, err,
		    errlen)) == -1)
			return (-1);
		s = &l->socks[l->nsocks++];
		s->l = l;
		s->fd = -1;
		if (l->proto == PROTO_UDP)
			listen_udp_open(s, fd);
		else
			listen_tcp_open(s, fd);
	}
	return (0);
}

/*
 * Bind every address of every [listen] section. Any failure undoes the
 * rest and returns NULL with "listen NAME: ADDRESS port PORT: reason" in
 * err: a daemon that cannot hear what it was told to hear must not start.
 */
struct listeners *
listeners_new(struct event_base *base, const struct conf *cf,
    struct pipeline *p, int64_t (*clock)(void), char *err, size_t errlen)
{
	struct listeners	*ls;
	size_t			 i;

	ls = xcalloc(1, sizeof(*ls));
	ls->base = base;
	ls->p = p;
	ls->clock = clock;
	ls->max_message = cf->max_message;
	ls->v = xcalloc(cf->nlistens > 0 ? cf->nlistens : 1, sizeof(*ls->v));
	for (i = 0; i < cf->nlistens; i++) {
		ls->n++;
		ls->v[i] = xcalloc(1, sizeof(*ls->v[i]));
		if (listener_open(ls, ls->v[i], &cf->listens[i], NULL, err,
		    errlen) == -1) {
			listeners_free(ls);
			return (NULL);
		}
	}
	return (ls);
}

/* Stop accepting: TCP listeners go, UDP sockets drain the kernel first. */
void
listeners_stop(struct listeners *ls)
{
	struct listener	*l;
	size_t		 i, j;

	if (ls->stopped)
		return;
	ls->stopped = 1;
	for (i = 0; i < ls->n; i++) {
		l = ls->v[i];
		for (j = 0; j < l->nsocks; j++) {
			if (l->proto == PROTO_UDP)
				listen_udp_close(&l->socks[j], 1);
			else
				listen_tcp_close(&l->socks[j]);
		}
	}
}

/* Frame what every live connection holds, then close it. */
void
listeners_drain(struct listeners *ls)
{
	size_t	 i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i]->proto != PROTO_UDP)
			listen_tcp_drain(ls->v[i]);
}

static void
listener_close(struct listener *l)
{
	size_t	 j;

	for (j = 0; j < l->nsocks; j++) {
		if (l->proto == PROTO_UDP)
			listen_udp_close(&l->socks[j], 0);
		else
			listen_tcp_close(&l->socks[j]);
	}
	listen_tcp_free(l);
	cidr_list_clear(&l->allow);
	free(l->src);
	free(l->desc);
	free(l->name);
	free(l);
}

void
listeners_free(struct listeners *ls)
{
	size_t	 i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		listener_close(ls->v[i]);
	free(ls->v);
	free(ls);
}

size_t
listeners_count(const struct listeners *ls)
{
	return (ls->n);
}

const char *
listeners_name(const struct listeners *ls, size_t i)
{
	return (i < ls->n ? ls->v[i]->name : NULL);
}

const char *
listeners_describe(const struct listeners *ls, size_t i)
{
	return (i < ls->n ? ls->v[i]->desc : NULL);
}

const struct listen_stats *
listeners_stats(const struct listeners *ls, size_t i)
{
	return (i < ls->n ? &ls->v[i]->st : NULL);
}

static uint64_t
listen_stat(const struct listen_stats *st, size_t off)
{
	uint64_t	 v;

	memcpy(&v, (const char *)st + off, sizeof(v));
	return (v);
}

/* One line per listener and reason whose counter moved since last time. */
void
listeners_log_drops(struct listeners *ls)
{
	const struct listen_reason	*r;
	struct listener			*l;
	uint64_t			 now, then;
	size_t				 i, j;

	for (i = 0; i < ls->n; i++) {
		l = ls->v[i];
		for (j = 0; j < LISTEN_NREASONS; j++) {
			r = &listen_reasons[j];
			now = listen_stat(&l->st, r->off);
			then = listen_stat(&l->reported, r->off);
			if (now > then)
				log_warnx("listen %s: %s %llu %s in the last "
				    "interval (%s)", l->name, r->verb,
				    (unsigned long long)(now - then), r->what,
				    r->why);
		}
		l->reported = l->st;
	}
}

/* A peer's address as IPv6, IPv4 mapped, as addr.h holds addresses. */
void
listen_peer(const struct sockaddr *sa, struct in6_addr *a)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET6) {
		memcpy(&sin6, sa, sizeof(sin6));
		*a = sin6.sin6_addr;
	} else if (sa->sa_family == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		a->s6_addr[10] = 0xff;
		a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12], &sin.sin_addr, 4);
	}
}

int
listen_allowed(const struct listener *l, const struct in6_addr *a)
{
	return (l->allow.n == 0 || cidr_list_contains(&l->allow, a));
}

/* Binary search of the per-sender table: the index of a, or where it goes. */
static size_t
listen_src_find(const struct listener *l, const struct in6_addr *a,
    int *found)
{
	size_t	 lo = 0, hi = l->nsrc, mid;
	int	 c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(&l->src[mid].addr, a, sizeof(*a));
		if (c == 0) {
			*found = 1;
			return (mid);
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/*
 * Count a new connection from `a', or return -1 when it would pass
 * max_connections or max_per_source (0: no limit). The per-sender table
 * is sorted and holds only senders with live connections, so it never
 * has more entries than there are connections.
 */
int
listen_conn_acquire(struct listener *l, const struct in6_addr *a)
{
	size_t	 i;
	int	 found;

	if (l->max_connections > 0 && l->st.active >= l->max_connections)
		return (-1);
	i = listen_src_find(l, a, &found);
	if (found) {
		if (l->max_per_source > 0 &&
		    l->src[i].n >= l->max_per_source)
			return (-1);
		l->src[i].n++;
	} else {
		if (l->nsrc == l->srccap) {
			l->srccap = l->srccap > 0 ? l->srccap * 2 : 8;
			l->src = xreallocarray(l->src, l->srccap,
			    sizeof(*l->src));
		}
		memmove(&l->src[i + 1], &l->src[i],
		    (l->nsrc - i) * sizeof(*l->src));
		l->src[i].addr = *a;
		l->src[i].n = 1;
		l->nsrc++;
	}
	l->st.active++;
	return (0);
}

void
listen_conn_release(struct listener *l, const struct in6_addr *a)
{
	size_t	 i;
	int	 found;

	l->st.active--;
	i = listen_src_find(l, a, &found);
	if (!found || --l->src[i].n > 0)
		return;
	l->nsrc--;
	memmove(&l->src[i], &l->src[i + 1], (l->nsrc - i) * sizeof(*l->src));
}

/* One message to the pipeline, stamped with its arrival (wall clock). */
void
listen_deliver(struct listener *l, const char *msg, size_t len)
{
	l->st.messages++;
	pipeline_message(l->ls->p, msg, len, l->ls->clock(), 1);
}

/* n messages lost for `why': our counter and the pipeline's, as replay. */
void
listen_drop(struct listener *l, uint64_t *counter, enum skip_reason why,
    uint64_t n)
{
	if (n == 0)
		return;
	*counter += n;
	pipeline_skip(l->ls->p, why, n);
}

/* --- reload ------------------------------------------------------------ */

/*
 * How section b differs from a, the running one of the same name: not
 * at all; in settings a running listener can take (the allow-list,
 * limits, timeouts, the UDP receive buffer, TLS files); or in what it
 * listens on (protocol, addresses, port), which needs new sockets.
 */
enum listen_change
listen_conf_change(const struct conf_listen *a, const struct conf_listen *b)
{
	size_t	 i;

	if (conf_listen_equal(a, b))
		return (LISTEN_SAME);
	if (a->proto != b->proto || a->port != b->port ||
	    a->naddresses != b->naddresses)
		return (LISTEN_REPLACE);
	for (i = 0; i < a->naddresses; i++)
		if (strcmp(a->addresses[i], b->addresses[i]) != 0)
			return (LISTEN_REPLACE);
	return (LISTEN_SETTINGS);
}

/* The descriptor of a socket, or -1 once it is closed. */
static int
listen_lsock_fd(const struct lsock *s)
{
	if (s->evl != NULL)
		return (evconnlistener_get_fd(s->evl));
	return (s->fd);
}

static int
listen_same_addr(const struct sockaddr_storage *a,
    const struct sockaddr_storage *b)
{
	const struct sockaddr_in	*a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in	*b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6	*a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6	*b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->ss_family)
		return (0);
	if (a->ss_family == AF_INET)
		return (a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr);
	return (a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) ==
	    0);
}

/*
 * A duplicate of the descriptor of a running socket of the same type
 * bound to addr and l's port, or -1 if there is none.
 */
static int
listen_reuse(const struct listeners *from, const struct listener *l,
    const char *addr, int type)
{
	const struct listener	*o;
	struct sockaddr_storage	 want, have;
	socklen_t		 len;
	size_t			 i, j;
	int			 fd;

	if (from == NULL || listen_sockaddr(addr, l->port, &want, &len) == -1)
		return (-1);
	for (i = 0; i < from->n; i++) {
		o = from->v[i];
		if ((o->proto == PROTO_UDP) != (type == SOCK_DGRAM))
			continue;
		for (j = 0; j < o->nsocks; j++) {
			if ((fd = listen_lsock_fd(&o->socks[j])) == -1)
				continue;
			len = sizeof(have);
			memset(&have, 0, sizeof(have));
			if (getsockname(fd, (struct sockaddr *)&have, &len) ==
			    0 && listen_same_addr(&have, &want))
				return (fcntl(fd, F_DUPFD_CLOEXEC, 0));
		}
	}
	return (-1);
}

/*
 * What listeners_prepare() made of a new configuration: for each of its
 * [listen] sections in order, the listener to run, the running one of
 * that name (or NULL), how they differ, the section, and for a TLS
 * listener kept running, its new context.
 */
struct listeners_next {
	struct listener			**v;
	struct listener			**from;
	enum listen_change		 *change;
	const struct conf_listen	**cl;
	struct ssl_ctx_st		**tls;
	size_t				  n;
};

void
listeners_abort(struct listeners_next *nx)
{
	size_t	 i;

	if (nx == NULL)
		return;
	for (i = 0; i < nx->n; i++) {
		if (nx->v[i] != NULL && nx->v[i] != nx->from[i])
			listener_close(nx->v[i]);
		SSL_CTX_free(nx->tls[i]);
	}
	free(nx->v);
	free(nx->from);
	free(nx->change);
	free(nx->cl);
	free(nx->tls);
	free(nx);
}

static struct listener *
listeners_find(const struct listeners *ls, const char *name)
{
	size_t	 i;

	for (i = 0; i < ls->n; i++)
		if (strcmp(ls->v[i]->name, name) == 0)
			return (ls->v[i]);
	return (NULL);
}

static const struct conf_listen *
listen_conf_find(const struct conf *cf, const char *name)
{
	size_t	 i;

	for (i = 0; i < cf->nlistens; i++)
		if (strcmp(cf->listens[i].name, name) == 0)
			return (&cf->listens[i]);
	return (NULL);
}

/*
 * One section of the new configuration: the running listener goes on
 * when only settings changed (a TLS one gets a new context, its files
 * read again; if they cannot be and the section is unchanged, it keeps
 * the one it has); otherwise a new listener is opened, on the running
 * sockets where the addresses are the same, on new ones elsewhere.
 */
static int
listeners_prepare_one(struct listeners *ls, const struct conf *cur,
    struct listeners_next *nx, size_t i, char *err, size_t errlen)
{
	const struct conf_listen	*cl = nx->cl[i], *ocl;
	struct listener			*o, tmp;

	o = nx->from[i] = listeners_find(ls, cl->name);
	ocl = o != NULL ? listen_conf_find(cur, cl->name) : NULL;
	nx->change[i] = ocl != NULL ? listen_conf_change(ocl, cl) :
	    LISTEN_REPLACE;
	if (nx->change[i] != LISTEN_REPLACE) {
		nx->v[i] = o;
		if (o->proto != PROTO_TLS)
			return (0);
		memset(&tmp, 0, sizeof(tmp));
		tmp.name = o->name;
		if (listen_tcp_tls(&tmp, cl, err, errlen) == 0) {
			nx->tls[i] = tmp.tls;
			return (0);
		}
		SSL_CTX_free(tmp.tls);
		if (nx->change[i] != LISTEN_SAME)
			return (-1);
		/* Say, but go on: the files may be root's, and we not. */
		log_warnx("%s; the certificate in use stays", err);
		return (0);
	}
	nx->v[i] = xcalloc(1, sizeof(*nx->v[i]));
	return (listener_open(ls, nx->v[i], cl, ls, err, errlen));
}

/*
 * The listeners the configuration next asks for, cur being the one the
 * running ones came from; nothing running changes, and NULL (the reason
 * in err) if a socket cannot be bound or a TLS file read.
 */
struct listeners_next *
listeners_prepare(struct listeners *ls, const struct conf *cur,
    const struct conf *next, char *err, size_t errlen)
{
	struct listeners_next	*nx;
	size_t			 i, n = next->nlistens + 1;

	nx = xcalloc(1, sizeof(*nx));
	nx->v = xcalloc(n, sizeof(*nx->v));
	nx->from = xcalloc(n, sizeof(*nx->from));
	nx->change = xcalloc(n, sizeof(*nx->change));
	nx->cl = xcalloc(n, sizeof(*nx->cl));
	nx->tls = xcalloc(n, sizeof(*nx->tls));
	for (i = 0; i < next->nlistens; i++) {
		nx->n = i + 1;
		nx->cl[i] = &next->listens[i];
		if (listeners_prepare_one(ls, cur, nx, i, err, errlen) == -1) {
			listeners_abort(nx);
			return (NULL);
		}
	}
	return (nx);
}

/* A running listener takes the settings of its section anew. */
static void
listener_update(struct listener *l, const struct conf_listen *cl,
    struct ssl_ctx_st *tls)
{
	size_t	 j;

	listener_settings(l, cl);
	if (tls != NULL) {
		/* Connections made already hold the old one until they end. */
		SSL_CTX_free(l->tls);
		l->tls = tls;
	}
	if (l->proto == PROTO_UDP && l->rcvbuf != cl->rcvbuf) {
		l->rcvbuf = cl->rcvbuf;
		for (j = 0; j < l->nsocks; j++)
			if (l->socks[j].fd != -1 &&
			    listen_rcvbuf(l, l->socks[j].fd) == -1)
				log_warn("listen %s: rcvbuf", l->name);
	}
	if (l->proto != PROTO_UDP)
		listen_tcp_retime(l);
}

/*
 * A listener that goes: no more input; what its connections and its
 * sockets hold is processed; then it is closed. Its counters go on in
 * its replacement, if it has one.
 */
static void
listener_retire(struct listener *l, struct listener *next)
{
	size_t	 j;

	for (j = 0; j < l->nsocks; j++) {
		if (l->proto == PROTO_UDP)
			listen_udp_close(&l->socks[j], 1);
		else
			listen_tcp_close(&l->socks[j]);
	}
	if (l->proto != PROTO_UDP)
		listen_tcp_drain(l);
	if (next != NULL) {
		next->st = l->st;
		next->st.active = 0;
		next->reported = l->reported;
	}
	listener_close(l);
}

/*
 * Swap in what listeners_prepare() made. A listener kept running takes
 * its new settings; one replaced or removed is retired, so that its
 * sockets (those not taken over) close and its connections end after
 * what they sent is processed.
 */
void
listeners_commit(struct listeners *ls, struct listeners_next *nx)
{
	struct listener	*o, *next;
	size_t		 i, j;

	for (i = 0; i < ls->n; i++) {
		o = ls->v[i];
		next = NULL;
		for (j = 0; j < nx->n; j++)
			if (nx->from[j] == o)
				break;
		if (j < nx->n && nx->v[j] == o) {
			if (nx->change[j] == LISTEN_SETTINGS)
				log_notice("listen %s: settings changed",
				    o->name);
			listener_update(o, nx->cl[j], nx->tls[j]);
			nx->tls[j] = NULL;
			continue;
		}
		if (j < nx->n)
			next = nx->v[j];
		else
			log_notice("listen %s: closed (removed from the "
			    "configuration)", o->name);
		listener_retire(o, next);
	}
	for (j = 0; j < nx->n; j++)
		if (nx->v[j] != nx->from[j])
			log_notice("listening: %s: %s%s", nx->v[j]->name,
			    nx->v[j]->desc, nx->from[j] != NULL ?
			    " (replaced)" : "");
	free(ls->v);
	ls->v = nx->v;
	ls->n = nx->n;
	free(nx->from);
	free(nx->change);
	free(nx->cl);
	free(nx->tls);
	free(nx);
}
