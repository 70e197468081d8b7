/*
 * signetd: the webhook transport: each batch is one HTTP POST through
 * libevent's evhttp client, over TLS (an OpenSSL bufferevent) for https.
 *
 * Every request gets a connection of its own: evhttp cannot reconnect an
 * OpenSSL bufferevent once its session is over, and at alert rates a
 * handshake per batch costs nothing worth the complexity. A connection is
 * freed from an event of its own, never inside evhttp's callbacks, which
 * still use it after ours return.
 *
 * The output's timer first waits connect_timeout; when it fires on an
 * established connection it is re-armed for the rest of request_timeout.
 * evhttp's own timeout, set to request_timeout, bounds any silence of
 * the peer. Secrets (header_file, hmac_key_file) are read once at start,
 * never logged, and cleared from memory when the output closes.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "buf.h"
#include "log.h"
#include "output_int.h"
#include "xmalloc.h"

#define WEBHOOK_SECRET_MAX	8192
#define WEBHOOK_BODY_SHOWN	200
#define WEBHOOK_RESPONSE_MAX	65536

struct webhook {
	char			*host;		/* no brackets */
	char			*hosthdr;	/* for Host: */
	char			*path;		/* path?query */
	int			 port;
	int			 https;
	SSL_CTX			*ctx;
	char			*hname[CONF_MAX_HEADERS + 1];
	char			*hval[CONF_MAX_HEADERS + 1];
	size_t			 nh;
	size_t			 nsecret;	/* the last ones are secret */
	unsigned char		*key;
	size_t			 keylen;
	struct evhttp_connection *conn;
	struct evhttp_connection *dead;		/* to free */
	struct event		*ev_free;
	int64_t			 deadline;
	int			 connected;
	int			 have_err;
	enum evhttp_request_error err;
	struct buf		 body;
	struct buf		 mac;
};

static int	 webhook_split_header(const char *, char **, char **, char *,
		    size_t);
static int	 webhook_parse_url(const char *, struct webhook *, char *,
		    size_t);
static int	 webhook_read_secret(const char *, char **, size_t *, char *,
		    size_t);
static int	 webhook_open(struct output *, char *, size_t);
static void	 webhook_close(struct output *);
static size_t	 webhook_batch(const struct output *);
static int	 webhook_send(struct output *, const struct outq_item *,
		    size_t);
static int	 webhook_timeout(struct output *);
static struct evhttp_connection *webhook_connect(struct output *);
static void	 webhook_headers(struct output *, struct evkeyvalq *);
static void	 webhook_sign(struct output *, struct evkeyvalq *);
static void	 webhook_retire(struct webhook *);
static void	 webhook_free_cb(evutil_socket_t, short, void *);
static void	 webhook_err_cb(enum evhttp_request_error, void *);
static void	 webhook_req_cb(struct evhttp_request *, void *);
static void	 webhook_failed(struct output *);
static void	 webhook_answer(struct output *, struct evhttp_request *);

const struct output_ops output_webhook_ops = {
	webhook_open,
	webhook_send,
	webhook_timeout,
	webhook_close,
	webhook_batch
};

/* "Name: value", Name an RFC 9110 token, value without controls. */
static int
webhook_split_header(const char *s, char **name, char **value, char *why,
    size_t len)
{
	static const char	 tchar[] = "!#$%&'*+-.^_`|~0123456789"
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char		*c = strchr(s, ':'), *v;
	size_t			 i, n;

	if (c == NULL || c == s || strspn(s, tchar) != (size_t)(c - s)) {
		snprintf(why, len, "a header must be 'Name: value'");
		return (-1);
	}
	for (v = c + 1; *v == ' ' || *v == '\t'; v++)
		;
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t') {
			snprintf(why, len, "a header value holds a control "
			    "character");
			return (-1);
		}
	}
	if (name != NULL) {
		*name = xstrndup(s, (size_t)(c - s));
		*value = xstrndup(v, n);
	}
	return (0);
}

static int
webhook_parse_url(const char *url, struct webhook *w, char *why, size_t len)
{
	struct evhttp_uri	*u;
	const char		*scheme, *host, *path, *query;
	size_t			 n;
	int			 rv = -1;

	if ((u = evhttp_uri_parse(url)) == NULL) {
		snprintf(why, len, "url: cannot parse");
		return (-1);
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	if (scheme == NULL || (strcmp(scheme, "http") != 0 &&
	    strcmp(scheme, "https") != 0))
		snprintf(why, len, "url: not http:// or https://");
	else if (host == NULL || *host == '\0')
		snprintf(why, len, "url: no host");
	else if (evhttp_uri_get_userinfo(u) != NULL)
		snprintf(why, len, "url: no user:password@ (use header_file)");
	else if (evhttp_uri_get_fragment(u) != NULL)
		snprintf(why, len, "url: no #fragment");
	else
		rv = 0;
	if (rv == 0 && w != NULL) {
		w->https = strcmp(scheme, "https") == 0;
		w->port = evhttp_uri_get_port(u);
		if (w->port <= 0)
			w->port = w->https ? 443 : 80;
		n = strlen(host);
		if (n > 2 && host[0] == '[' && host[n - 1] == ']')
			w->host = xstrndup(host + 1, n - 2);
		else
			w->host = xstrdup(host);
		if ((w->https && w->port == 443) ||
		    (!w->https && w->port == 80))
			w->hosthdr = xstrdup(host);
		else if (asprintf(&w->hosthdr, "%s:%d", host, w->port) == -1)
			fatal("asprintf");
		path = evhttp_uri_get_path(u);
		query = evhttp_uri_get_query(u);
		if (asprintf(&w->path, "%s%s%s", path != NULL && *path != '\0' ?
		    path : "/", query != NULL ? "?" : "", query != NULL ?
		    query : "") == -1)
			fatal("asprintf");
	}
	evhttp_uri_free(u);
	return (rv);
}

int
output_webhook_check(const struct conf_output *co, char *why, size_t len)
{
	size_t	 i;

	if (co->url == NULL) {
		snprintf(why, len, "type webhook needs a url");
		return (-1);
	}
	if (webhook_parse_url(co->url, NULL, why, len) == -1)
		return (-1);
	if (co->batch > 1 && co->format != FMT_JSON) {
		snprintf(why, len, "batch is only for format json");
		return (-1);
	}
	for (i = 0; i < co->nheaders; i++)
		if (webhook_split_header(co->headers[i], NULL, NULL, why,
		    len) == -1)
			return (-1);
	return (0);
}

/*
 * A secret file, whole but for its trailing line ends, into *out (NUL
 * added). Its content is never quoted in a message.
 */
static int
webhook_read_secret(const char *path, char **out, size_t *lenp, char *why,
    size_t len)
{
	FILE	*fp;
	char	*s;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return (-1);
	}
	s = xmalloc(WEBHOOK_SECRET_MAX + 1);
	n = fread(s, 1, WEBHOOK_SECRET_MAX + 1, fp);
	fclose(fp);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0 || n > WEBHOOK_SECRET_MAX) {
		snprintf(why, len, "%s: %s", path, n == 0 ? "empty" :
		    "longer than 8K");
		OPENSSL_cleanse(s, WEBHOOK_SECRET_MAX + 1);
		free(s);
		return (-1);
	}
	s[n] = '\0';
	*out = s;
	*lenp = n;
	return (0);
}

static int
webhook_open(struct output *o, char *err, size_t errlen)
{
	const struct conf_output	*co = o->co;
	struct webhook			*w;
	char				 why[256], *s;
	size_t				 i, n;

	w = xcalloc(1, sizeof(*w));
	o->impl = w;
	buf_init(&w->body);
	buf_init(&w->mac);
	if (webhook_parse_url(co->url, w, why, sizeof(why)) == -1)
		goto fail;
	for (i = 0; i < co->nheaders; i++, w->nh++)
		if (webhook_split_header(co->headers[i], &w->hname[w->nh],
		    &w->hval[w->nh], why, sizeof(why)) == -1)
			goto fail;
	if (co->header_file != NULL) {
		if (webhook_read_secret(co->header_file, &s, &n, why,
		    sizeof(why)) == -1)
			goto fail;
		if (strchr(s, '\n') != NULL || webhook_split_header(s,
		    &w->hname[w->nh], &w->hval[w->nh], why,
		    sizeof(why)) == -1) {
			snprintf(why, sizeof(why), "%s: not one 'Name: value' "
			    "line", co->header_file);
			OPENSSL_cleanse(s, n);
			free(s);
			goto fail;
		}
		OPENSSL_cleanse(s, n);
		free(s);
		w->nh++;
		w->nsecret = 1;
	}
	if (co->hmac_key_file != NULL) {
		if (webhook_read_secret(co->hmac_key_file, &s, &n, why,
		    sizeof(why)) == -1)
			goto fail;
		w->key = (unsigned char *)s;
		w->keylen = n;
	}
	if (w->https && (w->ctx = output_tls_ctx(o, err, errlen)) == NULL)
		return (-1);
	if ((w->ev_free = event_new(output_base(o), -1, 0, webhook_free_cb,
	    w)) == NULL) {
		snprintf(why, sizeof(why), "cannot make an event");
		goto fail;
	}
	return (0);
fail:
	snprintf(err, errlen, "output %s: %s", o->name, why);
	return (-1);
}

static void
webhook_close(struct output *o)
{
	struct webhook	*w = o->impl;
	size_t		 i;

	if (w->conn != NULL)
		evhttp_connection_free(w->conn);
	if (w->dead != NULL)
		evhttp_connection_free(w->dead);
	if (w->ev_free != NULL)
		event_free(w->ev_free);
	SSL_CTX_free(w->ctx);
	for (i = 0; i < w->nh; i++) {
		if (i >= w->nh - w->nsecret)
			OPENSSL_cleanse(w->hval[i], strlen(w->hval[i]));
		free(w->hname[i]);
		free(w->hval[i]);
	}
	if (w->key != NULL) {
		OPENSSL_cleanse(w->key, w->keylen);
		free(w->key);
	}
	buf_clear(&w->body);
	buf_clear(&w->mac);
	free(w->host);
	free(w->hosthdr);
	free(w->path);
	free(w);
	o->impl = NULL;
}

static size_t
webhook_batch(const struct output *o)
{
	return (o->format == FMT_JSON ? (size_t)o->co->batch : 1);
}

/* A connection for one request. */
static struct evhttp_connection *
webhook_connect(struct output *o)
{
	struct webhook			*w = o->impl;
	struct event_base		*base = output_base(o);
	struct evhttp_connection	*c;
	struct bufferevent		*bev;
	struct timeval			 tv;
	SSL				*ssl;

	if (!w->https)
		c = evhttp_connection_base_new(base, output_dns(o), w->host,
		    (unsigned short)w->port);
	else {
		if ((ssl = output_tls_ssl(w->ctx, w->host,
		    o->co->tls_verify)) == NULL)
			return (NULL);
		bev = bufferevent_openssl_socket_new(base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
		    BEV_OPT_DEFER_CALLBACKS);
		if (bev == NULL) {
			SSL_free(ssl);
			return (NULL);
		}
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
		c = evhttp_connection_base_bufferevent_new(base,
		    output_dns(o), bev, w->host, (unsigned short)w->port);
		if (c == NULL)
			bufferevent_free(bev);
	}
	if (c == NULL)
		return (NULL);
	tv.tv_sec = o->co->request_timeout / 1000000;
	tv.tv_usec = o->co->request_timeout % 1000000;
	evhttp_connection_set_timeout_tv(c, &tv);
	evhttp_connection_set_retries(c, 0);
	evhttp_connection_set_max_body_size(c, WEBHOOK_RESPONSE_MAX);
	return (c);
}

static void
webhook_headers(struct output *o, struct evkeyvalq *h)
{
	struct webhook	*w = o->impl;
	size_t		 i;

	evhttp_add_header(h, "Host", w->hosthdr);
	evhttp_add_header(h, "User-Agent", PACKAGE_NAME "/" PACKAGE_VERSION);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Connection", "close");
	for (i = 0; i < w->nh; i++)
		evhttp_add_header(h, w->hname[i], w->hval[i]);
	if (w->key != NULL)
		webhook_sign(o, h);
}

/*
 * X-Signetd-Signature: sha256=HEX, the HMAC-SHA256 under the key of
 * "TIMESTAMP.BODY", TIMESTAMP being X-Signetd-Timestamp (Unix seconds):
 * a receiver checks both, and refuses a stale timestamp to stop replays.
 */
static void
webhook_sign(struct output *o, struct evkeyvalq *h)
{
	struct webhook	*w = o->impl;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;
	char		 ts[32], hex[2 * EVP_MAX_MD_SIZE + 8];

	snprintf(ts, sizeof(ts), "%" PRId64, output_now() / 1000000);
	buf_reset(&w->mac);
	buf_adds(&w->mac, ts);
	buf_addc(&w->mac, '.');
	buf_add(&w->mac, w->body.p, w->body.len);
	if (HMAC(EVP_sha256(), w->key, (int)w->keylen,
	    (const unsigned char *)w->mac.p, w->mac.len, md, &mdlen) == NULL)
		return;
	memcpy(hex, "sha256=", 7);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
	evhttp_add_header(h, "X-Signetd-Timestamp", ts);
	evhttp_add_header(h, "X-Signetd-Signature", hex);
}

static int
webhook_send(struct output *o, const struct outq_item *it, size_t n)
{
	struct webhook		*w = o->impl;
	struct evhttp_request	*req;
	size_t			 i;

	buf_reset(&w->body);
	if (o->format == FMT_JSON && o->co->batch > 1) {
		buf_addc(&w->body, '[');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_addc(&w->body, ',');
			buf_add(&w->body, it[i].p, it[i].len);
		}
		buf_addc(&w->body, ']');
	} else
		buf_add(&w->body, it[0].p, it[0].len);
	if ((w->conn = webhook_connect(o)) == NULL) {
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "cannot make a connection");
		return (-1);
	}
	if ((req = evhttp_request_new(webhook_req_cb, o)) == NULL)
		fatalx("evhttp_request_new");
	evhttp_request_set_error_cb(req, webhook_err_cb);
	webhook_headers(o, evhttp_request_get_output_headers(req));
	evbuffer_add(evhttp_request_get_output_buffer(req), w->body.p,
	    w->body.len);
	w->have_err = 0;
	w->connected = 0;
	w->deadline = output_now() + o->co->request_timeout;
	if (evhttp_make_request(w->conn, req, EVHTTP_REQ_POST,
	    w->path) == -1) {
		evhttp_connection_free(w->conn);
		w->conn = NULL;
		snprintf(o->stats.last_error, sizeof(o->stats.last_error),
		    "cannot connect to %s", w->hosthdr);
		return (-1);
	}
	output_arm(o, o->co->connect_timeout < o->co->request_timeout ?
	    o->co->connect_timeout : o->co->request_timeout);
	return (0);
}

/* The connection is over: free it from the loop, not from evhttp. */
static void
webhook_retire(struct webhook *w)
{
	if (w->conn == NULL)
		return;
	if (w->dead != NULL)
		evhttp_connection_free(w->dead);
	w->dead = w->conn;
	w->conn = NULL;
	event_active(w->ev_free, EV_TIMEOUT, 0);
}

static void
webhook_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct webhook	*w = arg;

	if (w->dead != NULL)
		evhttp_connection_free(w->dead);
	w->dead = NULL;
}

/*
 * The timer, while a request is out: past connect_timeout a connection
 * not yet made is given up; one made goes on to request_timeout.
 */
static int
webhook_timeout(struct output *o)
{
	struct webhook		*w = o->impl;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	struct bufferevent	*bev;
	evutil_socket_t		 fd;
	int64_t			 left = w->deadline - output_now();

	if (w->conn == NULL)
		return (0);
	if (!w->connected && left > 0) {
		bev = evhttp_connection_get_bufferevent(w->conn);
		fd = bev != NULL ? bufferevent_getfd(bev) : -1;
		if (fd != -1 && getpeername(fd, (struct sockaddr *)&ss,
		    &sl) == 0) {
			w->connected = 1;
			output_arm(o, left);
			return (1);
		}
	}
	evhttp_connection_free(w->conn);
	w->conn = NULL;
	/* Worded as the error callback words its own timeout. */
	output_done(o, OUTPUT_RETRY, -1, "%s: %s timed out", w->hosthdr,
	    w->connected ? "request" : "connection");
	return (0);
}

static void
webhook_err_cb(enum evhttp_request_error e, void *arg)
{
	struct output	*o = arg;
	struct webhook	*w = o->impl;

	w->have_err = 1;
	w->err = e;
}

/* No answer: say why, the TLS verification first. */
static void
webhook_failed(struct output *o)
{
	struct webhook		*w = o->impl;
	struct bufferevent	*bev;
	SSL			*ssl;
	unsigned long		 e;
	long			 vr;
	const char		*what = "cannot connect";
	char			 tls[128] = "";

	if (w->https && w->conn != NULL &&
	    (bev = evhttp_connection_get_bufferevent(w->conn)) != NULL) {
		ssl = bufferevent_openssl_get_ssl(bev);
		if (ssl != NULL && (vr = SSL_get_verify_result(ssl)) !=
		    X509_V_OK)
			snprintf(tls, sizeof(tls), ": certificate refused: %s",
			    X509_verify_cert_error_string(vr));
		else if ((e = bufferevent_get_openssl_error(bev)) != 0)
			snprintf(tls, sizeof(tls), ": TLS: %s",
			    ERR_reason_error_string(e));
	}
	if (w->have_err) {
		switch (w->err) {
		case EVREQ_HTTP_TIMEOUT:
			what = "timed out";
			break;
		case EVREQ_HTTP_EOF:
			what = "connection closed";
			break;
		case EVREQ_HTTP_INVALID_HEADER:
			what = "bad response";
			break;
		case EVREQ_HTTP_DATA_TOO_LONG:
			what = "response too long";
			break;
		case EVREQ_HTTP_BUFFER_ERROR:
			what = evutil_socket_error_to_string(
			    EVUTIL_SOCKET_ERROR());
			break;
		default:
			break;
		}
	}
	webhook_retire(w);
	output_done(o, OUTPUT_RETRY, -1, "%s: %s%s", w->hosthdr, what, tls);
}

/* An answer: its status says delivered, retry (when) or refused. */
static void
webhook_answer(struct output *o, struct evhttp_request *req)
{
	struct webhook		*w = o->impl;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	int			 code = evhttp_request_get_response_code(req);
	enum output_verdict	 v = output_http_verdict(code);
	char			 shown[WEBHOOK_BODY_SHOWN + 1];
	int64_t			 ra = -1;
	ev_ssize_t		 n;
	ssize_t			 i;

	if (v == OUTPUT_RETRY)
		ra = output_retry_after(evhttp_find_header(
		    evhttp_request_get_input_headers(req), "Retry-After"),
		    o->co->retry_after_max, output_now());
	n = in != NULL ? evbuffer_copyout(in, shown, WEBHOOK_BODY_SHOWN) : 0;
	if (n < 0)
		n = 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)shown[i] < 0x20 ||
		    (unsigned char)shown[i] >= 0x7f)
			shown[i] = '.';
	shown[n] = '\0';
	webhook_retire(w);
	if (v == OUTPUT_OK)
		output_done(o, v, -1, "%s", "");
	else
		output_done(o, v, ra, "%s: HTTP %d: %s", w->hosthdr, code,
		    shown);
}

static void
webhook_req_cb(struct evhttp_request *req, void *arg)
{
	struct output	*o = arg;

	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		webhook_failed(o);
	else
		webhook_answer(o, req);
}
