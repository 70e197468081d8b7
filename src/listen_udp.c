/*
 * signetd: UDP listeners, one message per datagram (RFC 5426). A wake-up
 * takes batches of up to UDP_BATCH datagrams, one recvmmsg(2) each, into
 * buffers allocated once per socket; a datagram that does not fit
 * max_message is dropped and counted, and the kernel's own drops (the
 * socket buffer overflowed before we read it) are read from SO_RXQ_OVFL
 * and counted.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "listen_int.h"
#include "log.h"
#include "xmalloc.h"

#define UDP_BATCH	64
/*
 * Batches one wake-up takes while the kernel has more: a flood then costs
 * one epoll_wait(2) (some µs in a VM) per 512 datagrams, not per 64, and
 * the loop still comes back every few milliseconds.
 */
#define UDP_WAKEUP_BATCHES 8
/* No UDP payload is longer; a bigger buffer would never fill. */
#define UDP_MAXDGRAM	65535
/* At stop, batches read from what the kernel holds before closing. */
#define UDP_STOP_BATCHES 1024
#define UDP_LINE	64	/* bytes in a cache line */

struct udp_batch {
	size_t			 bufsz;
	size_t			 stride;	/* from one buffer to the next */
	char			*bufs;		/* UDP_BATCH * stride */
	struct mmsghdr		 msgs[UDP_BATCH];
	struct iovec		 iov[UDP_BATCH];
	struct sockaddr_storage	 from[UDP_BATCH];
	union {
		struct cmsghdr	 align;
		char		 buf[CMSG_SPACE(sizeof(uint32_t))];
	}			 ctl[UDP_BATCH];
};

static struct udp_batch *udp_batch_new(size_t);
static void	udp_batch_free(struct udp_batch *);
static void	udp_batch_reset(struct udp_batch *);
static void	udp_kernel_drops(struct lsock *, struct msghdr *);
static size_t	udp_trim(const char *, size_t);
static void	udp_datagram(struct lsock *, struct mmsghdr *, const char *);
static int	udp_recv(struct lsock *);
static void	udp_read_cb(evutil_socket_t, short, void *);

/*
 * Buffers of max_message + 1 bytes: one byte more than a message may
 * have, so that a datagram filling the buffer is known to be too long
 * even where MSG_TRUNC is not reported. They lie an odd number of cache
 * lines apart: at the default 64 KiB they would be a power of two apart,
 * the heads of all 64 would fall in the same few cache sets, and each
 * datagram would be evicted by the next ones before it is parsed.
 */
static struct udp_batch *
udp_batch_new(size_t max_message)
{
	struct udp_batch	*b;

	b = xcalloc(1, sizeof(*b));
	b->bufsz = (max_message < UDP_MAXDGRAM ? max_message :
	    UDP_MAXDGRAM) + 1;
	b->stride = ((b->bufsz + UDP_LINE - 1) / UDP_LINE) | 1;
	b->stride *= UDP_LINE;
	b->bufs = xcalloc(UDP_BATCH, b->stride);
	return (b);
}

static void
udp_batch_free(struct udp_batch *b)
{
	if (b == NULL)
		return;
	free(b->bufs);
	free(b);
}

/* recvmmsg(2) rewrites the lengths: set every header up again. */
static void
udp_batch_reset(struct udp_batch *b)
{
	struct msghdr	*mh;
	size_t		 i;

	for (i = 0; i < UDP_BATCH; i++) {
		b->iov[i].iov_base = b->bufs + i * b->stride;
		b->iov[i].iov_len = b->bufsz;
		mh = &b->msgs[i].msg_hdr;
		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &b->from[i];
		mh->msg_namelen = sizeof(b->from[i]);
		mh->msg_iov = &b->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = b->ctl[i].buf;
		mh->msg_controllen = sizeof(b->ctl[i].buf);
		b->msgs[i].msg_len = 0;
	}
}

void
listen_udp_open(struct lsock *s, int fd)
{
	struct event_base	*base = s->l->ls->base;

	s->fd = fd;
	s->udp = udp_batch_new(s->l->ls->max_message);
	s->ev = event_new(base, fd, EV_READ | EV_PERSIST, udp_read_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1)
		fatalx("listen %s: event_new", s->l->name);
}

/*
 * Close the socket. At a graceful stop (drain) first take what the
 * kernel already holds, bounded: a sender that keeps sending cannot hold
 * the stop up.
 */
void
listen_udp_close(struct lsock *s, int drain)
{
	int	 i;

	if (s->fd == -1)
		return;
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	for (i = 0; drain && i < UDP_STOP_BATCHES; i++)
		if (udp_recv(s) < UDP_BATCH)
			break;
	close(s->fd);
	s->fd = -1;
	udp_batch_free(s->udp);
	s->udp = NULL;
}

/*
 * SO_RXQ_OVFL carries the socket's drop counter as it was when the
 * datagram was queued: cumulative, so add only the difference (modulo
 * 2^32, the counter's width) to the last value seen.
 */
static void
udp_kernel_drops(struct lsock *s, struct msghdr *mh)
{
	struct cmsghdr	*cm;
	uint32_t	 v;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SO_RXQ_OVFL ||
		    cm->cmsg_len < CMSG_LEN(sizeof(v)))
			continue;
		memcpy(&v, CMSG_DATA(cm), sizeof(v));
		s->l->st.kernel_drops += (uint32_t)(v - s->drops);
		s->drops = v;
	}
}

/*
 * RFC 5426 puts one message in a datagram with no trailer, but many
 * senders end it with LF, CR LF or NUL as they would on TCP; drop the
 * trailer so UDP, TCP and --replay hand the pipeline the same bytes.
 */
static size_t
udp_trim(const char *buf, size_t len)
{
	if (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	return (len);
}

static void
udp_datagram(struct lsock *s, struct mmsghdr *m, const char *buf)
{
	struct listener	*l = s->l;
	struct in6_addr	 from;
	size_t		 len = m->msg_len;

	udp_kernel_drops(s, &m->msg_hdr);
	l->st.datagrams++;
	l->st.bytes += len;
	listen_peer(m->msg_hdr.msg_name, &from);
	if (!listen_allowed(l, &from)) {
		l->st.refused_datagrams++;
		return;
	}
	if ((m->msg_hdr.msg_flags & MSG_TRUNC) || len > l->ls->max_message) {
		listen_drop(l, &l->st.truncated, SKIP_TOO_LONG, 1);
		return;
	}
	if ((len = udp_trim(buf, len)) == 0) {
		listen_drop(l, &l->st.empty, SKIP_EMPTY, 1);
		return;
	}
	listen_deliver(l, buf, len);
}

/* One recvmmsg(2): returns how many datagrams it took. */
static int
udp_recv(struct lsock *s)
{
	struct udp_batch	*b = s->udp;
	int			 i, n;

	udp_batch_reset(b);
	n = recvmmsg(s->fd, b->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_debug("listen %s: recvmmsg: %s", s->l->name,
			    strerror(errno));
		return (0);
	}
	for (i = 0; i < n; i++)
		udp_datagram(s, &b->msgs[i], b->bufs + (size_t)i * b->stride);
	return (n);
}

/*
 * Full batches while the kernel has more, up to UDP_WAKEUP_BATCHES;
 * level-triggered, so what is left wakes us again at once.
 */
static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	int	 i;

	for (i = 0; i < UDP_WAKEUP_BATCHES; i++)
		if (udp_recv(arg) < UDP_BATCH)
			break;
}
