/*
 * signetd: the metrics server: libevent's evhttp on the daemon's
 * event_base, GET /metrics only (see metrics.h).
 *
 * A scraper gets little from us, and a hostile one can hold little:
 * every reply says Connection: close; a request must arrive within
 * METRICS_TIMEOUT seconds between reads, with headers of at most
 * METRICS_MAX_HEADERS bytes and no body to speak of; and at most
 * METRICS_MAX_ACCEPTS connections are accepted in a METRICS_TIMEOUT
 * period, after which accepting pauses until the period ends. evhttp
 * 2.1 has no connection limit of its own, nor a hook where a connection
 * ends, so the accept rate is what we bound; with the timeouts it bounds
 * the connections open at once. The reply is rendered into one buffer
 * kept from scrape to scrape.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "config.h"
#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "xmalloc.h"

#define METRICS_TIMEOUT		10	/* seconds */
#define METRICS_MAX_HEADERS	8192
#define METRICS_MAX_BODY	1024
#define METRICS_MAX_ACCEPTS	64	/* per METRICS_TIMEOUT */
#define METRICS_BACKLOG		16
#define METRICS_PATH		"/metrics"
#define METRICS_TYPE		"text/plain; version=0.0.4; charset=utf-8"

/* One bound address. */
struct metrics_server {
	char			*spec;		/* as configured */
	struct evhttp		*http;
	struct evconnlistener	*lev;		/* evhttp's */
};

struct metrics {
	struct event_base	*base;		/* borrowed */
	void			(*fill)(void *, struct metrics_sources *);
	void			*arg;
	struct metrics_server	*srv;		/* NULL: none */
	struct event		*ev_period;
	uint64_t		 accepts;	/* in this period */
	struct metric_list	 list;
	struct buf		 body;
};

static int	metrics_socket(const char *, char *, size_t);
static struct metrics_server *metrics_server_new(struct metrics *,
		    const char *, char *, size_t);
static void	metrics_server_free(struct metrics_server *);
static struct bufferevent *metrics_accept_cb(struct event_base *, void *);
static void	metrics_period_cb(evutil_socket_t, short, void *);
static void	metrics_request_cb(struct evhttp_request *, void *);
static void	metrics_serve(struct metrics *, struct evhttp_request *);
static int	metrics_same(const char *, const char *);

/* A listening TCP socket on "ADDRESS:PORT", or -1 with err set. */
static int
metrics_socket(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct in6_addr		 a;
	socklen_t		 len;
	uint16_t		 port;
	int			 fd, on = 1;

	if (conf_parse_hostport(spec, &a, &port) == -1) {
		snprintf(err, errlen, "metrics: '%s' is not ADDRESS:PORT",
		    spec);
		return (-1);
	}
	memset(&ss, 0, sizeof(ss));
	if (IN6_IS_ADDR_V4MAPPED(&a)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, &a.s6_addr[12], 4);
		len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = a;
		len = sizeof(*sin6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(err, errlen, "metrics: %s: socket: %s", spec,
		    strerror(errno));
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, METRICS_BACKLOG) == -1) {
		snprintf(err, errlen, "metrics: cannot listen on %s: %s", spec,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

static struct metrics_server *
metrics_server_new(struct metrics *m, const char *spec, char *err,
    size_t errlen)
{
	struct metrics_server	*srv;
	struct evhttp_bound_socket *bound;
	int			 fd;

	if ((fd = metrics_socket(spec, err, errlen)) == -1)
		return (NULL);
	srv = xcalloc(1, sizeof(*srv));
	srv->spec = xstrdup(spec);
	if ((srv->http = evhttp_new(m->base)) == NULL) {
		snprintf(err, errlen, "metrics: cannot set up the HTTP server");
		close(fd);
		metrics_server_free(srv);
		return (NULL);
	}
	evhttp_set_timeout(srv->http, METRICS_TIMEOUT);
	evhttp_set_max_headers_size(srv->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(srv->http, METRICS_MAX_BODY);
	/* Every method reaches us, so that the wrong ones get a 405. */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(srv->http, metrics_request_cb, m);
	evhttp_set_bevcb(srv->http, metrics_accept_cb, m);
	if ((bound = evhttp_accept_socket_with_handle(srv->http, fd)) ==
	    NULL) {
		snprintf(err, errlen, "metrics: cannot accept on %s", spec);
		close(fd);
		metrics_server_free(srv);
		return (NULL);
	}
	srv->lev = evhttp_bound_socket_get_listener(bound);
	return (srv);
}

static void
metrics_server_free(struct metrics_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->http != NULL)
		evhttp_free(srv->http);
	free(srv->spec);
	free(srv);
}

/*
 * evhttp asks for each new connection's bufferevent: the place to count
 * accepts. NULL lets evhttp make its usual one.
 */
static struct bufferevent *
metrics_accept_cb(struct event_base *base, void *arg)
{
	struct metrics	*m = arg;
	struct timeval	 tv = { METRICS_TIMEOUT, 0 };

	if (m->accepts++ == 0)
		(void)event_add(m->ev_period, &tv);
	if (m->accepts >= METRICS_MAX_ACCEPTS && m->srv != NULL &&
	    m->srv->lev != NULL) {
		log_warnx("metrics: %d connections in %d s; not accepting "
		    "until the period ends", METRICS_MAX_ACCEPTS,
		    METRICS_TIMEOUT);
		evconnlistener_disable(m->srv->lev);
	}
	return (NULL);
}

static void
metrics_period_cb(evutil_socket_t fd, short what, void *arg)
{
	struct metrics	*m = arg;

	m->accepts = 0;
	if (m->srv != NULL && m->srv->lev != NULL)
		evconnlistener_enable(m->srv->lev);
}

static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	const struct evhttp_uri	*uri;
	const char		*path = NULL;
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);

	if ((uri = evhttp_request_get_evhttp_uri(req)) != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || strcmp(path, METRICS_PATH) != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(hdr, "Allow", "GET");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	metrics_serve(m, req);
}

/* GET /metrics: collect, render, reply, and close. */
static void
metrics_serve(struct metrics *m, struct evhttp_request *req)
{
	struct metrics_sources	 src;
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);

	memset(&src, 0, sizeof(src));
	m->fill(m->arg, &src);
	metrics_collect(&m->list, &src);
	buf_reset(&m->body);
	metrics_render_prom(&m->list, &m->body);
	evhttp_add_header(hdr, "Content-Type", METRICS_TYPE);
	evhttp_add_header(hdr, "Connection", "close");
	if (evbuffer_add(evhttp_request_get_output_buffer(req), m->body.p,
	    m->body.len) == -1) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
}

/*
 * The metrics object; it serves when cf has [metrics] listen. NULL,
 * with err saying why, when that address cannot be bound. fill gives
 * the sources at each scrape.
 */
struct metrics *
metrics_new(struct event_base *base, const struct conf *cf,
    void (*fill)(void *, struct metrics_sources *), void *arg, char *err,
    size_t errlen)
{
	struct metrics	*m;

	m = xcalloc(1, sizeof(*m));
	m->base = base;
	m->fill = fill;
	m->arg = arg;
	metric_list_init(&m->list);
	buf_init(&m->body);
	if ((m->ev_period = evtimer_new(base, metrics_period_cb, m)) == NULL) {
		snprintf(err, errlen, "metrics: cannot set up a timer");
		metrics_free(m);
		return (NULL);
	}
	if (cf->metrics_listen != NULL) {
		m->srv = metrics_server_new(m, cf->metrics_listen, err, errlen);
		if (m->srv == NULL) {
			metrics_free(m);
			return (NULL);
		}
		log_notice("metrics: serving http://%s%s", m->srv->spec,
		    METRICS_PATH);
	}
	return (m);
}

static int
metrics_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/*
 * After a reload: start, move or stop the server as cf says. A move
 * binds the new address before the old one is let go; when that fails
 * (the same port, spelt otherwise), the old one goes first and comes
 * back if the new one still cannot be bound. -1: the server is as it
 * was, or stopped if even that was not possible; logged.
 */
int
metrics_reload(struct metrics *m, const struct conf *cf)
{
	struct metrics_server	*srv;
	char			*old;
	char			 err[256], err2[256];

	if (metrics_same(m->srv != NULL ? m->srv->spec : NULL,
	    cf->metrics_listen))
		return (0);
	if (cf->metrics_listen == NULL) {
		log_notice("metrics: no longer serving");
		metrics_server_free(m->srv);
		m->srv = NULL;
		return (0);
	}
	srv = metrics_server_new(m, cf->metrics_listen, err, sizeof(err));
	if (srv == NULL && m->srv != NULL) {
		old = xstrdup(m->srv->spec);
		metrics_server_free(m->srv);
		srv = metrics_server_new(m, cf->metrics_listen, err,
		    sizeof(err));
		m->srv = srv != NULL ? NULL :
		    metrics_server_new(m, old, err2, sizeof(err2));
		free(old);
	}
	if (srv == NULL) {
		if (m->srv != NULL)
			log_warnx("reload: %s; metrics still served on %s",
			    err, m->srv->spec);
		else
			log_warnx("reload: %s; metrics not served", err);
		return (-1);
	}
	metrics_server_free(m->srv);
	m->srv = srv;
	m->accepts = 0;
	(void)event_del(m->ev_period);
	log_notice("metrics: serving http://%s%s", m->srv->spec,
	    METRICS_PATH);
	return (0);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	metrics_server_free(m->srv);
	if (m->ev_period != NULL)
		event_free(m->ev_period);
	metric_list_clear(&m->list);
	buf_clear(&m->body);
	free(m);
}
