/*
 * signetd: what listen.c, listen_tcp.c and listen_udp.c share, and no
 * other module sees. One struct listener per [listen NAME] section, one
 * struct lsock per address; connections and UDP batches hang off them.
 */
#ifndef SIGNETD_LISTEN_INT_H
#define SIGNETD_LISTEN_INT_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "frame.h"
#include "listen.h"
#include "log.h"
#include "pipeline.h"
#include "rec.h"

struct bufferevent;
struct event;
struct evconnlistener;
struct ssl_ctx_st;
struct udp_batch;

#define LISTEN_SEC	INT64_C(1000000)

/* One accepted TCP or TLS connection. */
struct conn {
	struct listener		*l;
	struct bufferevent	*bev;
	struct in6_addr		 peer;
	int			 connected;	/* TLS: handshake done */
	struct framer		 fr;
	struct frame_stats	 seen;		/* framer counts accounted */
	TAILQ_ENTRY(conn)	 entry;
};

TAILQ_HEAD(conn_list, conn);

/* Active connections of one sender, for max_per_source. */
struct src_count {
	struct in6_addr		 addr;
	uint64_t		 n;
};

/* One socket: one address of a listener. */
struct lsock {
	struct listener		*l;
	int			 fd;	/* UDP; a TCP socket belongs to evl */
	struct evconnlistener	*evl;	/* TCP, TLS */
	struct event		*ev;	/* UDP: read; TCP: EMFILE back-off */
	struct udp_batch	*udp;
	uint32_t		 drops;	/* last SO_RXQ_OVFL counter seen */
};

/* A [listen NAME] section at work; the conf values it needs are copied. */
struct listener {
	struct listeners	*ls;		/* borrowed */
	char			*name;
	char			*desc;
	enum listen_proto	 proto;
	uint16_t		 port;
	struct cidr_list	 allow;
	uint64_t		 max_connections;
	uint64_t		 max_per_source;
	int64_t			 idle_timeout;
	int64_t			 handshake_timeout;
	uint64_t		 rcvbuf;
	struct lsock		 socks[CONF_MAX_ADDRS];
	size_t			 nsocks;
	struct ssl_ctx_st	*tls;
	struct conn_list	 conns;
	struct src_count	*src;		/* sorted by address */
	size_t			 nsrc;
	size_t			 srccap;
	struct log_rate		 hs_log;	/* handshake failures */
	struct listen_stats	 st;
	struct listen_stats	 reported;	/* at the last log_drops */
};

struct listeners {
	struct event_base	*base;		/* borrowed */
	struct pipeline		*p;		/* borrowed */
	int64_t			(*clock)(void);
	size_t			 max_message;
	struct listener		**v;
	size_t			 n;
	int			 stopped;
};

/* What a reload does with a running listener (listen_conf_change()). */
enum listen_change {
	LISTEN_SAME = 0,	/* nothing */
	LISTEN_SETTINGS,	/* applies them in place */
	LISTEN_REPLACE		/* opens a new one */
};

/* listen.c */
enum listen_change listen_conf_change(const struct conf_listen *,
	    const struct conf_listen *);
void	listen_peer(const struct sockaddr *, struct in6_addr *);
int	listen_allowed(const struct listener *, const struct in6_addr *);
int	listen_conn_acquire(struct listener *, const struct in6_addr *);
void	listen_conn_release(struct listener *, const struct in6_addr *);
void	listen_deliver(struct listener *, const char *, size_t);
void	listen_drop(struct listener *, uint64_t *, enum skip_reason,
	    uint64_t);

/* listen_tcp.c */
int	listen_tcp_tls(struct listener *, const struct conf_listen *, char *,
	    size_t);
void	listen_tcp_open(struct lsock *, int);
void	listen_tcp_close(struct lsock *);
void	listen_tcp_drain(struct listener *);
void	listen_tcp_free(struct listener *);
void	listen_tcp_retime(struct listener *);

/* listen_udp.c */
void	listen_udp_open(struct lsock *, int);
void	listen_udp_close(struct lsock *, int);

#endif
