/*
 * signetd: TCP and TLS listeners. Each connection is a bufferevent whose
 * input is cut into messages by the RFC 6587 framer (octet counting or
 * LF, chosen by the first byte); TLS (RFC 5425) is the same stream inside
 * an OpenSSL bufferevent. A read high-watermark of one frame bounds what
 * a connection buffers, and timeouts close idle peers and stalled
 * handshakes. When accept(2) runs out of descriptors the listener sleeps
 * for a second rather than spin, as OpenBSD syslogd does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "config.h"
#include "listen_int.h"
#include "log.h"
#include "xmalloc.h"

/*
 * What a frame may need beyond max_message (frame.c): an octet count of
 * 10 digits and its SP, or a line's CR LF. With this much buffered the
 * framer always makes progress, so the watermark never stalls a peer.
 */
#define TCP_FRAME_SLACK	11
/*
 * Bytes a graceful stop reads of what the kernel holds for a connection:
 * more than any receive buffer, so everything sent before the stop is
 * processed, yet bounded against a peer that keeps sending. libevent reads
 * at most 4 KiB per call, so this is a byte budget, not a count of reads.
 */
#define TCP_STOP_BYTES	(64 * 1024 * 1024)
/*
 * libevent 2.1 reads at most 4 KiB per wake-up (EVBUFFER_MAX_READ), which
 * cost three system calls (epoll_wait, FIONREAD, readv) per 2.5 messages
 * of a bulk sender. After framing what the bufferevent read, a plain TCP
 * connection reads on by itself in blocks this large (some 170 records:
 * the system calls are then noise), up to TCP_READ_BUDGET bytes per
 * wake-up: one busy sender cannot starve the others, and the loop comes
 * back every few milliseconds to flush outputs and take signals.
 */
#define TCP_READ_BLOCK	(256 * 1024)
#define TCP_READ_BUDGET	(1024 * 1024)

static int	tcp_tls_fail(const struct listener *, const char *,
		    const char *, char *, size_t);
static int	tcp_tls_verify(struct listener *, const struct conf_listen *,
		    char *, size_t);
static void	tcp_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	tcp_accept_error_cb(struct evconnlistener *, void *);
static void	tcp_backoff_cb(evutil_socket_t, short, void *);
static struct bufferevent *conn_bufferevent(struct listener *, int);
static void	conn_new(struct listener *, int, const struct in6_addr *);
static void	conn_free(struct conn *);
static void	conn_timeout(struct conn *, int64_t);
static void	conn_msg_cb(void *, const char *, size_t);
static void	conn_account(struct conn *);
static void	conn_frame(struct conn *);
static void	conn_close(struct conn *, int);
static int	conn_read_kernel(struct conn *);
static ssize_t	conn_read_block(struct conn *, struct evbuffer *, int);
static void	conn_tls_reason(struct conn *, short, char *, size_t);
static void	conn_handshake_failed(struct conn *, short);
static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);

/* An SSL_CTX setting that failed, with OpenSSL's reason for it. */
static int
tcp_tls_fail(const struct listener *l, const char *what, const char *file,
    char *err, size_t errlen)
{
	unsigned long	 e;
	const char	*why = NULL;

	if ((e = ERR_peek_error()) != 0)
		why = ERR_reason_error_string(e);
	ERR_clear_error();
	if (file == NULL)
		snprintf(err, errlen, "listen %s: %s: not set", l->name, what);
	else
		snprintf(err, errlen, "listen %s: %s %s: %s", l->name, what,
		    file, why != NULL ? why : "cannot be used");
	return (-1);
}

/* Client certificates: checked against ca_file as client_cert says. */
static int
tcp_tls_verify(struct listener *l, const struct conf_listen *cl, char *err,
    size_t errlen)
{
	STACK_OF(X509_NAME)	*names;
	int			 mode = SSL_VERIFY_NONE;

	if (cl->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(l->tls, cl->ca_file,
		    NULL) != 1 ||
		    (names = SSL_load_client_CA_file(cl->ca_file)) == NULL)
			return (tcp_tls_fail(l, "ca_file", cl->ca_file, err,
			    errlen));
		SSL_CTX_set_client_CA_list(l->tls, names);
	} else if (cl->client_cert != CLIENT_CERT_NONE)
		return (tcp_tls_fail(l, "ca_file", NULL, err, errlen));
	if (cl->client_cert == CLIENT_CERT_REQUIRE)
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	else if (cl->client_cert == CLIENT_CERT_OPTIONAL)
		mode = SSL_VERIFY_PEER;
	SSL_CTX_set_verify(l->tls, mode, NULL);
	return (0);
}

/*
 * The listener's TLS context, built once (RFC 5425: TLS 1.2 or newer).
 * Renegotiation is refused, a cheap way for a client to make us work;
 * idle connections give their buffers back.
 */
int
listen_tcp_tls(struct listener *l, const struct conf_listen *cl, char *err,
    size_t errlen)
{
	static const unsigned char	 sid[] = "signetd";

	if ((l->tls = SSL_CTX_new(TLS_server_method())) == NULL)
		return (tcp_tls_fail(l, "TLS", "context", err, errlen));
	SSL_CTX_set_min_proto_version(l->tls, TLS1_2_VERSION);
	SSL_CTX_set_options(l->tls, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(l->tls, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_id_context(l->tls, sid, sizeof(sid) - 1);
	if (cl->cert_file == NULL || SSL_CTX_use_certificate_chain_file(l->tls,
	    cl->cert_file) != 1)
		return (tcp_tls_fail(l, "cert_file", cl->cert_file, err,
		    errlen));
	if (cl->key_file == NULL || SSL_CTX_use_PrivateKey_file(l->tls,
	    cl->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(l->tls) != 1)
		return (tcp_tls_fail(l, "key_file", cl->key_file, err,
		    errlen));
	return (tcp_tls_verify(l, cl, err, errlen));
}

/* Accept on a socket listen_bind() left listening. */
void
listen_tcp_open(struct lsock *s, int fd)
{
	struct event_base	*base = s->l->ls->base;

	s->evl = evconnlistener_new(base, tcp_accept_cb, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    0, fd);
	if (s->evl == NULL)
		fatalx("listen %s: evconnlistener_new", s->l->name);
	evconnlistener_set_error_cb(s->evl, tcp_accept_error_cb);
	if ((s->ev = evtimer_new(base, tcp_backoff_cb, s)) == NULL)
		fatalx("listen %s: evtimer_new", s->l->name);
}

/* Stop accepting; connections already accepted live on. */
void
listen_tcp_close(struct lsock *s)
{
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->evl != NULL)
		evconnlistener_free(s->evl);
	s->ev = NULL;
	s->evl = NULL;
}

/* Close every connection without reading more, and the TLS context. */
void
listen_tcp_free(struct listener *l)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&l->conns)) != NULL)
		conn_free(c);
	SSL_CTX_free(l->tls);
	l->tls = NULL;
}

/* A reload changed the timeouts: connections open now take them too. */
void
listen_tcp_retime(struct listener *l)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &l->conns, entry)
		conn_timeout(c, c->connected ? l->idle_timeout :
		    l->handshake_timeout);
}

/*
 * Graceful stop: frame what each connection holds, then close it. A
 * connection still in its TLS handshake has sent nothing to keep.
 */
void
listen_tcp_drain(struct listener *l)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&l->conns)) != NULL) {
		if (!c->connected)
			conn_free(c);
		else
			conn_close(c, l->tls == NULL ? conn_read_kernel(c) : 0);
	}
}

/* Senders outside allow and over the limits are closed at once. */
static void
tcp_accept_cb(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct lsock	*s = arg;
	struct listener	*l = s->l;
	struct in6_addr	 peer;

	listen_peer(sa, &peer);
	if (!listen_allowed(l, &peer)) {
		l->st.refused_allow++;
		close(fd);
		return;
	}
	if (listen_conn_acquire(l, &peer) == -1) {
		l->st.refused_limit++;
		close(fd);
		return;
	}
	l->st.accepted++;
	conn_new(l, fd, &peer);
}

/*
 * accept(2) failed. Out of descriptors or memory, the pending connection
 * stays in the backlog and the socket stays readable, so retrying at once
 * would spin: pause the listener for a second instead.
 */
static void
tcp_accept_error_cb(struct evconnlistener *evl, void *arg)
{
	struct lsock	*s = arg;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM) {
		s->l->st.accept_errors++;
		return;
	}
	s->l->st.fd_backoffs++;
	evconnlistener_disable(evl);
	evtimer_add(s->ev, &tv);
}

static void
tcp_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lsock	*s = arg;

	if (s->evl != NULL)
		evconnlistener_enable(s->evl);
}

/* Allocation failures here are out of memory, fatal as in xmalloc. */
static struct bufferevent *
conn_bufferevent(struct listener *l, int fd)
{
	struct event_base	*base = l->ls->base;
	struct bufferevent	*bev;
	SSL			*ssl;

	if (l->tls == NULL)
		bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	else {
		if ((ssl = SSL_new(l->tls)) == NULL)
			fatalx("listen %s: SSL_new", l->name);
		/*
		 * Deferred callbacks: libevent 2.1's OpenSSL bufferevent
		 * reports EOF before it commits the bytes read in the same
		 * call, and we would close with the stream's tail unread.
		 */
		bev = bufferevent_openssl_socket_new(base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	}
	if (bev == NULL)
		fatalx("listen %s: bufferevent", l->name);
	/* Syslog senders rarely send close_notify: their close is an EOF. */
	if (l->tls != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return (bev);
}

static void
conn_new(struct listener *l, int fd, const struct in6_addr *peer)
{
	struct conn	*c;

	c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->peer = *peer;
	c->connected = l->tls == NULL;
	frame_init(&c->fr, FRAME_UNKNOWN, l->ls->max_message);
	c->bev = conn_bufferevent(l, fd);
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    l->ls->max_message + TCP_FRAME_SLACK);
	conn_timeout(c, c->connected ? l->idle_timeout : l->handshake_timeout);
	bufferevent_enable(c->bev, EV_READ);
}

static void
conn_free(struct conn *c)
{
	struct listener	*l = c->l;

	TAILQ_REMOVE(&l->conns, c, entry);
	listen_conn_release(l, &c->peer);
	bufferevent_free(c->bev);
	free(c);
}

/* The read timeout; 0 or less: none. */
static void
conn_timeout(struct conn *c, int64_t us)
{
	struct timeval	 tv;

	if (us <= 0) {
		bufferevent_set_timeouts(c->bev, NULL, NULL);
		return;
	}
	tv.tv_sec = (time_t)(us / LISTEN_SEC);
	tv.tv_usec = (suseconds_t)(us % LISTEN_SEC);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
}

static void
conn_msg_cb(void *arg, const char *msg, size_t len)
{
	struct conn	*c = arg;

	listen_deliver(c->l, msg, len);
}

/*
 * Add what the framer counted since last time to the listener and the
 * pipeline, as --replay does: a frame cut by the end of the stream is a
 * bad frame to the pipeline and closed_mid_frame here.
 */
static void
conn_account(struct conn *c)
{
	struct listener			*l = c->l;
	const struct frame_stats	*now = &c->fr.st;
	struct frame_stats		*was = &c->seen;

	listen_drop(l, &l->st.too_long, SKIP_TOO_LONG,
	    now->too_long - was->too_long);
	listen_drop(l, &l->st.bad_frame, SKIP_BAD_FRAME,
	    now->bad_frame - was->bad_frame);
	listen_drop(l, &l->st.empty, SKIP_EMPTY, now->empty - was->empty);
	listen_drop(l, &l->st.closed_mid_frame, SKIP_BAD_FRAME,
	    now->truncated - was->truncated);
	*was = *now;
}

/*
 * Frame what the input buffer holds. The framer wants a frame in one
 * piece: the first chain is framed where it lies, and the chains are
 * joined only when a frame straddles them, and then only as far as
 * needed: the joined prefix doubles until the framer makes progress, so
 * a partial frame at the end of one 256 KiB block costs a copy of about
 * its own size, not of the next block. The watermark bounds the prefix
 * to max_message + TCP_FRAME_SLACK bytes; what is left is a partial frame
 * the framer will be shown again with more data (frame.c).
 */
static void
conn_frame(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	const char	*data;
	size_t		 len, n, used;

	while ((len = evbuffer_get_length(in)) > 0) {
		n = evbuffer_get_contiguous_space(in);
		data = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
		used = n > 0 ? frame_feed(&c->fr, data, n, conn_msg_cb, c) : 0;
		while (used == 0 && n < len) {
			n = n < 2048 ? 4096 : n * 2;
			if (n > len)
				n = len;
			data = (const char *)evbuffer_pullup(in,
			    (ev_ssize_t)n);
			used = frame_feed(&c->fr, data, n, conn_msg_cb, c);
		}
		if (used == 0)
			break;
		evbuffer_drain(in, used);
		c->l->st.bytes += used;
	}
	conn_account(c);
}

/*
 * Close a connection after framing what it holds. When the peer closed,
 * frame_eof() applies the end-of-stream rules: a last LF line without its
 * LF is a message, a partial octet-counted frame is lost (RFC 6587 has
 * no other way to end a stream). When we close it (idle, stop), the peer
 * did not say its last line was whole, so an incomplete frame is lost.
 */
static void
conn_close(struct conn *c, int peer_closed)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	const char	*tail = "";
	size_t		 len;

	conn_frame(c);
	if ((len = evbuffer_get_length(in)) > 0)
		tail = (const char *)evbuffer_pullup(in, -1);
	if (peer_closed)
		frame_eof(&c->fr, tail, len, conn_msg_cb, c);
	else if (len > 0)
		listen_drop(c->l, &c->l->st.closed_mid_frame, SKIP_BAD_FRAME,
		    1);
	c->l->st.bytes += len;
	conn_account(c);
	conn_free(c);
}

/*
 * At a graceful stop, take what the kernel already holds for a plain TCP
 * connection: a bounded number of reads, each no larger than the room
 * under the watermark, framing in between. Returns 1 if the peer had
 * closed. The bufferevent keeps its input's end frozen outside its own
 * reads, hence the thaw. TLS records cannot be read around OpenSSL and
 * are left.
 */
static int
conn_read_kernel(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	evutil_socket_t	 fd = bufferevent_getfd(c->bev);
	size_t		 high, len, done = 0;
	int		 n;

	high = c->l->ls->max_message + TCP_FRAME_SLACK;
	while (done < TCP_STOP_BYTES) {
		conn_frame(c);
		if ((len = evbuffer_get_length(in)) >= high)
			return (0);
		evbuffer_unfreeze(in, 0);
		n = evbuffer_read(in, fd, high - len > INT_MAX ? INT_MAX :
		    (int)(high - len));
		evbuffer_freeze(in, 0);
		if (n == 0)
			return (1);
		if (n < 0)
			return (0);
		done += (size_t)n;
	}
	return (0);
}

/*
 * Why a handshake failed: OpenSSL's reason, else what libevent saw.
 * libevent hands its error list back last first, and puts SSL_get_error's
 * code (which has no reason string) among them: keep the earliest error
 * that has a reason.
 */
static void
conn_tls_reason(struct conn *c, short what, char *buf, size_t len)
{
	unsigned long	 e;
	const char	*r = NULL, *s;
	int		 err = EVUTIL_SOCKET_ERROR();

	while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
		if ((s = ERR_reason_error_string(e)) != NULL)
			r = s;
	if (r != NULL)
		snprintf(buf, len, "%s", r);
	else if (what & BEV_EVENT_TIMEOUT)
		snprintf(buf, len, "timed out");
	else if ((what & BEV_EVENT_EOF) || err == 0)
		snprintf(buf, len, "connection closed");
	else
		snprintf(buf, len, "%s", strerror(err));
}

/*
 * Count a failed handshake and log it with the peer and the reason, at
 * most one line a second per listener: a scanner must not flood the log.
 * The rest show in the interval summary of listeners_log_drops().
 */
static void
conn_handshake_failed(struct conn *c, short what)
{
	struct listener	*l = c->l;
	char		 peer[ADDR_STRLEN], why[256];
	int64_t		 now;

	l->st.handshake_failed++;
	conn_tls_reason(c, what, why, sizeof(why));
	now = l->ls->clock();
	if (!log_rate(&l->hs_log, now, "TLS handshake failures"))
		return;
	addr_format(&c->peer, peer, sizeof(peer));
	log_warnx("listen %s: TLS handshake with %s failed: %s", l->name,
	    peer, why);
}

/*
 * One read(2) of up to TCP_READ_BLOCK bytes straight into the input
 * buffer, around libevent's 4 KiB cap. The bufferevent keeps its input's
 * end frozen outside its own reads, hence the thaw.
 */
static ssize_t
conn_read_block(struct conn *c, struct evbuffer *in, int fd)
{
	struct evbuffer_iovec	 v;
	ssize_t			 n = -1;

	evbuffer_unfreeze(in, 0);
	if (evbuffer_reserve_space(in, TCP_READ_BLOCK, &v, 1) == 1) {
		do
			n = read(fd, v.iov_base, v.iov_len < TCP_READ_BLOCK ?
			    v.iov_len : TCP_READ_BLOCK);
		while (n == -1 && errno == EINTR);
		v.iov_len = n > 0 ? (size_t)n : 0;
		evbuffer_commit_space(in, &v, 1);
	}
	evbuffer_freeze(in, 0);
	return (n);
}

/*
 * Frame what the bufferevent read, then, on a plain TCP connection, read
 * on in large blocks while the kernel has data, framing after each one,
 * so the buffer never holds more than a partial frame and a block. End of
 * stream and errors are left in the socket for the bufferevent's next
 * read, which reports them through conn_event_cb as before.
 */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 done = 0;
	ssize_t		 n;

	conn_frame(c);
	if (c->l->tls != NULL)
		return;
	while (done < TCP_READ_BUDGET) {
		if ((n = conn_read_block(c, in, bufferevent_getfd(bev))) <= 0)
			break;
		done += (size_t)n;
		conn_frame(c);
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		c->connected = 1;
		conn_timeout(c, c->l->idle_timeout);
		return;
	}
	if (!c->connected) {
		conn_handshake_failed(c, what);
		conn_free(c);
	} else if (what & BEV_EVENT_TIMEOUT) {
		c->l->st.idle_closed++;
		conn_close(c, 0);
	} else
		conn_close(c, 1);
}
