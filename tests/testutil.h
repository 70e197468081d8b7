/*
 * signetd tests: shared helpers. Records built by hand, and an alert sink
 * that keeps a copy of what the engine sends so tests can assert on it.
 */
#ifndef SIGNETD_TESTUTIL_H
#define SIGNETD_TESTUTIL_H

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "addr.h"
#include "alert.h"
#include "rec.h"
#include "tstamp.h"

#define T_SEC	INT64_C(1000000)
#define T_HOUR	(3600 * T_SEC)
#define T0	(INT64_C(1709251200) * T_SEC)	/* 2024-03-01T00:00:00Z */

struct got {
	enum alert_kind	 kind;
	enum alert_rule	 rule;
	uint64_t	 count;
	int64_t		 time;
	int64_t		 first_seen;
	int64_t		 last_seen;
	char		 key[300];
	char		 ip[64];
	char		 device[64];
	char		 image[128];
	char		 status[32];
	char		 loaded[128];
	char		 signature[64];
	uint64_t	 executions;
	uint64_t	 hosts;
	size_t		 nstatuses;
	size_t		 nurls;
	size_t		 nports;
};

struct sinkbuf {
	struct got	 v[256];
	size_t		 n;
};

static inline void
copy_slice(char *dst, size_t cap, struct slice s)
{
	size_t	 n = s.n < cap - 1 ? s.n : cap - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static inline void
sinkbuf_emit(void *arg, const struct alert *a)
{
	struct sinkbuf	*sb = arg;
	struct got	*g;
	size_t		 i;

	ck_assert_uint_lt(sb->n, 256);
	g = &sb->v[sb->n++];
	memset(g, 0, sizeof(*g));
	g->kind = a->kind;
	g->rule = a->rule;
	g->count = a->count;
	g->time = a->time;
	g->first_seen = a->first_seen;
	g->last_seen = a->last_seen;
	if (a->key_is_path) {
		memcpy(g->key, "path:", 5);
		copy_slice(g->key + 5, sizeof(g->key) - 5, a->key_path);
	} else if (a->has_sha1)
		for (i = 0; i < 20; i++)
			snprintf(g->key + 2 * i, 3, "%02x", a->sha1[i]);
	if (a->has_net)
		addr_format(&a->remote_ip, g->ip, sizeof(g->ip));
	copy_slice(g->device, sizeof(g->device), a->device_id);
	copy_slice(g->image, sizeof(g->image), a->image);
	copy_slice(g->status, sizeof(g->status), a->sig_status);
	copy_slice(g->loaded, sizeof(g->loaded), a->image_loaded);
	copy_slice(g->signature, sizeof(g->signature), a->signature);
	g->executions = a->executions;
	g->hosts = a->hosts;
	g->nstatuses = a->nstatuses;
	g->nurls = a->nurls;
	g->nports = a->nports;
}

static inline struct alert_sink
sinkbuf_sink(struct sinkbuf *sb)
{
	struct alert_sink	 s = { sinkbuf_emit, sb };

	sb->n = 0;
	return (s);
}

static inline uint64_t
sinkbuf_count(const struct sinkbuf *sb, enum alert_rule rule,
    enum alert_kind kind)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < sb->n; i++)
		if (sb->v[i].rule == rule && sb->v[i].kind == kind)
			n += kind == ALERT_REPORT ? 1 : sb->v[i].count;
	return (n);
}

static inline struct slice
S(const char *s)
{
	return ((struct slice){ s, strlen(s) });
}

static inline void
set_sha1(struct rec *r, uint8_t b)
{
	memset(r->sha1, b, 20);
	r->has_sha1 = 1;
}

static inline struct rec
mk_net(const char *dev, int64_t t, uint8_t sha1byte, const char *ip)
{
	struct rec	 r;

	memset(&r, 0, sizeof(r));
	r.kind = REC_NET;
	r.source = SRC_MDE;
	r.time = t;
	r.device = S(dev);
	r.device_name = S(dev);
	if (sha1byte != 0)
		set_sha1(&r, sha1byte);
	r.has_pid = 1;
	r.pid = 1234;
	r.image = S("c:\\temp\\evil.exe");
	r.is_signed = r.is_trusted = TRI_UNKNOWN;
	r.outbound = TRI_TRUE;
	r.remote_ip_text = S(ip);
	r.ip_state = addr_parse(ip, strlen(ip), &r.remote_ip) == 0 ?
	    IP_OK : IP_BAD;
	r.has_port = 1;
	r.remote_port = 443;
	return (r);
}

static inline struct rec
mk_cert(const char *dev, int64_t t, uint8_t sha1byte, enum tri sgn,
    enum tri trusted)
{
	struct rec	 r;

	memset(&r, 0, sizeof(r));
	r.kind = REC_CERT;
	r.source = SRC_MDE;
	r.time = t;
	r.device = S(dev);
	r.device_name = S(dev);
	set_sha1(&r, sha1byte);
	r.is_signed = sgn;
	r.is_trusted = trusted;
	r.status = S(sgn == TRI_FALSE ? "Unsigned" : "Untrusted");
	r.signer = S("Contoso");
	r.outbound = TRI_UNKNOWN;
	return (r);
}

#endif
