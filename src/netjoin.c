/*
 * signetd: rule netjoin.
 *
 * A qualifying outbound connection N and a bad signature fact C join when
 * they share a key and |N.time - C.time| <= W, whichever arrives first.
 *
 * Keys. A key entry is (device, sha1) or (device, lower-cased path). It
 * holds the span [bad_lo, bad_hi] of the bad facts seen for it and the
 * latest good fact. One span is enough: facts are only kept while newer
 * than watermark - W, a range of W + L, and two facts more than 2W apart
 * cannot both be in it (L < W), so the bad facts of a key that are still
 * held are always within 2W of each other and their windows overlap.
 *
 * Groups. Connections are grouped by (key, remote address). A connection
 * that matches at once is counted into its group; one that does not yet
 * waits in the group for a late bad fact: its exact event time is kept for
 * the first NJ_WAIT_EXACT waiting connections of a group, beyond that they
 * are folded into a (count, first, last) aggregate, as the spec allows,
 * and counted in `approx'. Each connection matches at most once.
 *
 * Suppression. The first match of a group is sent at once; matches within
 * S of the last sent alert are counted and sent with the next alert, or
 * when the watermark passes the end of the interval, or when the group is
 * evicted or flushed at stop. Groups holding counts sit on a min-heap by
 * the end of their interval, which the watermark drains: alerts then
 * depend on the records alone, not on when the expiry sweep comes by, so
 * the daemon and a replay of the same stream send the same alerts.
 *
 * Expiry is incremental: netjoin_expire() looks at a bounded number of
 * table slots per call, round-robin over the three tables, and resumes
 * where it stopped (redis activeExpireCycle). Lookups never trust a stale
 * entry, so results do not depend on how far the sweep has got.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "addr.h"
#include "htab.h"
#include "netjoin.h"
#include "siphash.h"
#include "snapshot.h"
#include "xmalloc.h"

#define NJ_NONE		INT64_MIN
#define NJ_NOHEAP	SIZE_MAX
#define NJ_WAIT_EXACT	32

struct nj_group;
LIST_HEAD(nj_grouplist, nj_group);
TAILQ_HEAD(nj_lru, nj_group);

struct nj_key {
	uint64_t		 h;
	struct istr		*device;
	struct istr		*path;		/* lower-cased; NULL: sha1 key */
	uint8_t			 sha1[20];
	int8_t			 is_signed;	/* enum tri, of the kept fact */
	int8_t			 is_trusted;
	uint8_t			 source;
	int64_t			 bad_lo;
	int64_t			 bad_hi;
	int64_t			 good_last;
	int64_t			 fact_time;
	struct istr		*status;
	struct istr		*signer;
	struct istr		*issuer;
	struct nj_grouplist	 groups;
	TAILQ_ENTRY(nj_key)	 lru;
};
TAILQ_HEAD(nj_keylru, nj_key);

struct nj_group {
	uint64_t		 h;
	struct nj_key		*key;
	struct in6_addr		 ip;
	LIST_ENTRY(nj_group)	 kentry;
	TAILQ_ENTRY(nj_group)	 lru;
	int			 good;		/* on the known-good list */
	uint64_t		 rank;		/* eviction order, at save */

	int64_t			*wt;		/* exact waiting times */
	uint32_t		 nwt;
	uint32_t		 capwt;
	uint64_t		 wover;		/* folded waiting events */
	int64_t			 wover_lo;
	int64_t			 wover_hi;

	int64_t			 last_alert;
	size_t			 heapidx;	/* in nj->heap, or NJ_NOHEAP */
	uint64_t		 pending;
	int64_t			 pfirst;
	int64_t			 plast;
	int64_t			 last_seen;

	/* context of the latest connection, for the alert */
	struct istr		*device_name;
	struct istr		*image;
	struct istr		*guid;
	struct istr		*user;
	struct istr		*protocol;
	char			*cmdline;
	size_t			 cmdlen;
	int64_t			 pid;
	int			 has_pid;
	int			 has_port;
	uint16_t		 port;
	uint16_t		 ports[ALERT_MAX_PORTS];
	uint8_t			 nports;
	uint8_t			 nurls;
	struct istr		*urls[ALERT_MAX_URLS];
};

struct nj_proc {
	uint64_t		 h;
	struct istr		*device;
	int64_t			 time;
	uint8_t			 sha1[20];
	uint8_t			 guidlen;
	char			 guid[64];	/* lower-cased */
	TAILQ_ENTRY(nj_proc)	 lru;
};
TAILQ_HEAD(nj_proclru, nj_proc);

struct netjoin {
	int64_t			 window;
	int64_t			 suppress;
	struct cidr_list	 internal;
	struct intern		*in;		/* borrowed */
	struct sipkey		 sk;
	struct alert_sink	 sink;

	int64_t			 wm;		/* watermark */
	int64_t			 now;		/* wall clock, for alerts */

	struct htab		 keys;
	struct htab		 groups;
	struct htab		 procs;
	struct nj_keylru	 keylru;
	struct nj_lru		 goodlru;	/* groups of known-good keys */
	struct nj_lru		 otherlru;	/* groups of other keys */
	struct nj_proclru	 proclru;
	size_t			 cursor[3];
	unsigned		 sweep;		/* table the sweep is on */

	/* groups holding suppressed counts, by end of their interval */
	struct nj_group		**heap;
	size_t			 nheap;
	size_t			 capheap;

	struct netjoin_stats	 st;
};

static void	nj_group_free(struct netjoin *, struct nj_group *);
static void	nj_key_maybe_free(struct netjoin *, struct nj_key *);
static int64_t	nj_deadline(const struct netjoin *, const struct nj_group *);
static void	nj_heap_remove(struct netjoin *, struct nj_group *);
static void	nj_emit(struct netjoin *, struct nj_group *, int64_t);
static void	nj_wait_age(struct netjoin *, struct nj_group *);
static int	nj_group_idle(const struct netjoin *,
		    const struct nj_group *);

static int64_t
min64(int64_t a, int64_t b)
{
	return (a < b ? a : b);
}

static int64_t
max64(int64_t a, int64_t b)
{
	return (a > b ? a : b);
}

/* Oldest event time still held: watermark - W. */
static int64_t
nj_horizon(const struct netjoin *nj)
{
	return (nj->wm == NJ_NONE ? NJ_NONE : nj->wm - nj->window);
}

static int
ascii_eq_ci(const char *a, const char *b, size_t n)
{
	size_t	 i;
	char	 x, y;

	for (i = 0; i < n; i++) {
		x = a[i];
		y = b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return (0);
	}
	return (1);
}

struct netjoin *
netjoin_new(const struct conf *cf, struct intern *in, const struct sipkey *sk,
    const struct alert_sink *sink)
{
	struct netjoin	*nj;

	nj = xcalloc(1, sizeof(*nj));
	nj->window = cf->window;
	nj->suppress = cf->suppress;
	cidr_list_init(&nj->internal);
	cidr_list_copy(&nj->internal, &cf->internal);
	nj->in = in;
	nj->sk = *sk;
	nj->sink = *sink;
	nj->wm = NJ_NONE;
	htab_init(&nj->keys, 1024);
	htab_init(&nj->groups, 1024);
	htab_init(&nj->procs, 1024);
	TAILQ_INIT(&nj->keylru);
	TAILQ_INIT(&nj->goodlru);
	TAILQ_INIT(&nj->otherlru);
	TAILQ_INIT(&nj->proclru);
	return (nj);
}

/*
 * The watermark moved (or the wall clock did): send the counts of every
 * group whose suppression interval the watermark has passed.
 */
void
netjoin_clock(struct netjoin *nj, int64_t wm, int64_t now)
{
	struct nj_group	*g;

	nj->wm = wm;
	nj->now = now;
	while (nj->nheap > 0 && nj_deadline(nj, (g = nj->heap[0])) <= wm)
		nj_emit(nj, g, g->plast);
}

/* --- memory accounting ---------------------------------------------- */

static void
nj_bytes_add(struct netjoin *nj, size_t n)
{
	nj->st.bytes += n;
}

static void
nj_bytes_sub(struct netjoin *nj, size_t n)
{
	nj->st.bytes -= n;
}

/* --- keys ------------------------------------------------------------ */

static uint64_t
nj_key_hash(const struct netjoin *nj, const struct istr *dev,
    const uint8_t *sha1, const char *path, size_t pathlen)
{
	struct siphash	 s;

	siphash_init(&s, &nj->sk);
	siphash_add(&s, &dev->h, sizeof(dev->h));
	if (path != NULL) {
		siphash_add(&s, "p", 1);
		siphash_add_lower(&s, path, pathlen);
	} else {
		siphash_add(&s, "s", 1);
		siphash_add(&s, sha1, 20);
	}
	return (siphash_end(&s));
}

/* The key entry for (dev, sha1) or (dev, path); path compared caseless. */
static struct nj_key *
nj_key_find(struct netjoin *nj, const struct istr *dev, const uint8_t *sha1,
    const char *path, size_t pathlen, uint64_t h)
{
	struct nj_key	*k;
	size_t		 it;

	for (k = htab_first(&nj->keys, h, &it); k != NULL;
	    k = htab_next(&nj->keys, h, &it)) {
		if (k->device != dev)
			continue;
		if (path == NULL && k->path == NULL &&
		    memcmp(k->sha1, sha1, 20) == 0)
			return (k);
		if (path != NULL && k->path != NULL &&
		    k->path->len == pathlen &&
		    ascii_eq_ci(k->path->s, path, pathlen))
			return (k);
	}
	return (NULL);
}

static struct nj_key *
nj_key_get(struct netjoin *nj, const struct slice *dev, const uint8_t *sha1,
    const struct slice *path)
{
	struct istr	*d;
	struct nj_key	*k;
	uint64_t	 h = 0;
	const char	*pp = path != NULL ? path->p : NULL;
	size_t		 pl = path != NULL ? path->n : 0;

	if ((d = intern_lookup(nj->in, dev->p, dev->n)) != NULL) {
		h = nj_key_hash(nj, d, sha1, pp, pl);
		if ((k = nj_key_find(nj, d, sha1, pp, pl, h)) != NULL)
			return (k);
	}
	k = xcalloc(1, sizeof(*k));
	k->device = intern_get(nj->in, dev->p, dev->n);
	if (path != NULL)
		k->path = intern_get_lower(nj->in, path->p, path->n);
	else
		memcpy(k->sha1, sha1, 20);
	/* Hashed once: a device met for the first time has no hash yet. */
	k->h = d != NULL ? h : nj_key_hash(nj, k->device, sha1, pp, pl);
	k->bad_lo = k->bad_hi = k->good_last = k->fact_time = NJ_NONE;
	k->is_signed = k->is_trusted = TRI_UNKNOWN;
	LIST_INIT(&k->groups);
	htab_insert(&nj->keys, k->h, k);
	TAILQ_INSERT_TAIL(&nj->keylru, k, lru);
	nj->st.keys++;
	nj_bytes_add(nj, sizeof(*k) + sizeof(struct htab_slot));
	return (k);
}

static void
nj_key_free(struct netjoin *nj, struct nj_key *k)
{
	htab_remove(&nj->keys, k->h, k);
	TAILQ_REMOVE(&nj->keylru, k, lru);
	intern_put(nj->in, k->device);
	intern_put(nj->in, k->path);
	intern_put(nj->in, k->status);
	intern_put(nj->in, k->signer);
	intern_put(nj->in, k->issuer);
	nj->st.keys--;
	nj_bytes_sub(nj, sizeof(*k) + sizeof(struct htab_slot));
	free(k);
}

/* Forget facts older than the horizon. */
static void
nj_key_age(struct netjoin *nj, struct nj_key *k)
{
	int64_t	 hz = nj_horizon(nj);

	if (k->bad_hi != NJ_NONE && k->bad_hi < hz)
		k->bad_lo = k->bad_hi = NJ_NONE;
	if (k->good_last != NJ_NONE && k->good_last < hz)
		k->good_last = NJ_NONE;
}

static void
nj_key_maybe_free(struct netjoin *nj, struct nj_key *k)
{
	nj_key_age(nj, k);
	if (k->bad_hi == NJ_NONE && k->good_last == NJ_NONE &&
	    LIST_EMPTY(&k->groups))
		nj_key_free(nj, k);
}

static int
nj_key_good(const struct nj_key *k)
{
	return (k->good_last != NJ_NONE && k->bad_hi == NJ_NONE);
}

/*
 * Does a bad fact still held cover event time t? Facts older than the
 * horizon no longer count, so the span's low end is clamped to it.
 */
static int
nj_key_covers(const struct netjoin *nj, const struct nj_key *k, int64_t t)
{
	int64_t	 hz = nj_horizon(nj), lo;

	if (k->bad_hi == NJ_NONE || k->bad_hi < hz)
		return (0);
	lo = max64(k->bad_lo, hz);
	return (t >= lo - nj->window && t <= k->bad_hi + nj->window);
}

/* --- groups ---------------------------------------------------------- */

static uint64_t
nj_group_hash(const struct netjoin *nj, const struct nj_key *k,
    const struct in6_addr *ip)
{
	struct siphash	 s;

	siphash_init(&s, &nj->sk);
	siphash_add(&s, &k->h, sizeof(k->h));
	siphash_add(&s, ip, sizeof(*ip));
	return (siphash_end(&s));
}

static void
nj_group_place(struct netjoin *nj, struct nj_group *g)
{
	int	 good = nj_key_good(g->key);

	if (g->good == good)
		return;
	TAILQ_REMOVE(g->good ? &nj->goodlru : &nj->otherlru, g, lru);
	g->good = good;
	TAILQ_INSERT_TAIL(g->good ? &nj->goodlru : &nj->otherlru, g, lru);
}

static void
nj_group_touch(struct netjoin *nj, struct nj_group *g)
{
	struct nj_lru	*l = g->good ? &nj->goodlru : &nj->otherlru;

	TAILQ_REMOVE(l, g, lru);
	TAILQ_INSERT_TAIL(l, g, lru);
}

/*
 * A group the expiry sweep would free, but has not reached yet, must act
 * as if it were gone: what an alert says cannot depend on how far the
 * sweep got, or a live run (swept by the tick) and a replay of the same
 * records (swept per message) would send different alerts. So it starts
 * over: no context, no ports or URLs of connections an earlier alert
 * already told of.
 */
static void
nj_group_lapse(struct netjoin *nj, struct nj_group *g)
{
	size_t	 i;

	nj_wait_age(nj, g);
	if (!nj_group_idle(nj, g))
		return;
	for (i = 0; i < g->nurls; i++)
		intern_put(nj->in, g->urls[i]);
	g->nurls = 0;
	g->nports = 0;
	g->last_seen = g->last_alert = NJ_NONE;
}

static struct nj_group *
nj_group_get(struct netjoin *nj, struct nj_key *k, const struct in6_addr *ip)
{
	struct nj_group	*g;
	uint64_t	 h = nj_group_hash(nj, k, ip);
	size_t		 it;

	for (g = htab_first(&nj->groups, h, &it); g != NULL;
	    g = htab_next(&nj->groups, h, &it))
		if (g->key == k && memcmp(&g->ip, ip, sizeof(*ip)) == 0) {
			nj_group_lapse(nj, g);
			return (g);
		}
	g = xcalloc(1, sizeof(*g));
	g->h = h;
	g->key = k;
	g->ip = *ip;
	g->last_alert = g->last_seen = NJ_NONE;
	g->pfirst = g->plast = NJ_NONE;
	g->heapidx = NJ_NOHEAP;
	g->good = nj_key_good(k);
	LIST_INSERT_HEAD(&k->groups, g, kentry);
	TAILQ_INSERT_TAIL(g->good ? &nj->goodlru : &nj->otherlru, g, lru);
	htab_insert(&nj->groups, h, g);
	nj->st.groups++;
	nj_bytes_add(nj, sizeof(*g) + sizeof(struct htab_slot));
	return (g);
}

static void
nj_istr_set(struct netjoin *nj, struct istr **dst, const struct slice *s)
{
	struct istr	*old = *dst;

	if (old != NULL && old->len == s->n && memcmp(old->s, s->p, s->n) == 0)
		return;
	*dst = s->n > 0 ? intern_get(nj->in, s->p, s->n) : NULL;
	intern_put(nj->in, old);
}

static void
nj_group_cmdline(struct netjoin *nj, struct nj_group *g, const struct slice *c)
{
	if (g->cmdline != NULL && g->cmdlen == c->n &&
	    memcmp(g->cmdline, c->p, c->n) == 0)
		return;
	nj_bytes_sub(nj, g->cmdlen);
	free(g->cmdline);
	g->cmdline = c->n > 0 ? xmemdup(c->p, c->n) : NULL;
	g->cmdlen = c->n;
	nj_bytes_add(nj, g->cmdlen);
}

static void
nj_group_sample(struct netjoin *nj, struct nj_group *g, const struct rec *r)
{
	size_t	 i;

	if (r->has_port) {
		for (i = 0; i < g->nports && g->ports[i] != r->remote_port; i++)
			;
		if (i == g->nports && g->nports < ALERT_MAX_PORTS)
			g->ports[g->nports++] = r->remote_port;
	}
	if (r->remote_url.n > 0) {
		for (i = 0; i < g->nurls; i++)
			if (g->urls[i]->len == r->remote_url.n &&
			    memcmp(g->urls[i]->s, r->remote_url.p,
			    r->remote_url.n) == 0)
				break;
		if (i == g->nurls && g->nurls < ALERT_MAX_URLS)
			g->urls[g->nurls++] = intern_get(nj->in,
			    r->remote_url.p, r->remote_url.n);
	}
}

/* The group keeps the context of its latest connection for the alert. */
static void
nj_group_context(struct netjoin *nj, struct nj_group *g, const struct rec *r)
{
	nj_group_sample(nj, g, r);
	if (g->last_seen != NJ_NONE && r->time < g->last_seen)
		return;
	g->last_seen = r->time;
	nj_istr_set(nj, &g->device_name, &r->device_name);
	nj_istr_set(nj, &g->image, &r->image);
	nj_istr_set(nj, &g->guid, &r->guid);
	nj_istr_set(nj, &g->user, &r->user);
	nj_istr_set(nj, &g->protocol, &r->protocol);
	nj_group_cmdline(nj, g, &r->cmdline);
	g->pid = r->pid;
	g->has_pid = r->has_pid;
	g->port = r->remote_port;
	g->has_port = r->has_port;
}

static void
nj_group_free(struct netjoin *nj, struct nj_group *g)
{
	struct nj_key	*k = g->key;
	size_t		 i;

	nj_heap_remove(nj, g);
	htab_remove(&nj->groups, g->h, g);
	LIST_REMOVE(g, kentry);
	TAILQ_REMOVE(g->good ? &nj->goodlru : &nj->otherlru, g, lru);
	intern_put(nj->in, g->device_name);
	intern_put(nj->in, g->image);
	intern_put(nj->in, g->guid);
	intern_put(nj->in, g->user);
	intern_put(nj->in, g->protocol);
	for (i = 0; i < g->nurls; i++)
		intern_put(nj->in, g->urls[i]);
	nj_bytes_sub(nj, sizeof(*g) + sizeof(struct htab_slot) + g->cmdlen +
	    g->capwt * sizeof(*g->wt));
	free(g->cmdline);
	free(g->wt);
	free(g);
	nj->st.groups--;
	nj_key_maybe_free(nj, k);
}

/* --- suppression deadlines: a binary min-heap of groups --------------- */

static int64_t
nj_deadline(const struct netjoin *nj, const struct nj_group *g)
{
	return (g->last_alert + nj->suppress);
}

static void
nj_heap_set(struct netjoin *nj, size_t i, struct nj_group *g)
{
	nj->heap[i] = g;
	g->heapidx = i;
}

static void
nj_heap_up(struct netjoin *nj, size_t i)
{
	struct nj_group	*g = nj->heap[i];
	size_t		 p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (nj_deadline(nj, nj->heap[p]) <= nj_deadline(nj, g))
			break;
		nj_heap_set(nj, i, nj->heap[p]);
		i = p;
	}
	nj_heap_set(nj, i, g);
}

static void
nj_heap_down(struct netjoin *nj, size_t i)
{
	struct nj_group	*g = nj->heap[i];
	size_t		 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= nj->nheap)
			break;
		if (c + 1 < nj->nheap && nj_deadline(nj, nj->heap[c + 1]) <
		    nj_deadline(nj, nj->heap[c]))
			c++;
		if (nj_deadline(nj, g) <= nj_deadline(nj, nj->heap[c]))
			break;
		nj_heap_set(nj, i, nj->heap[c]);
		i = c;
	}
	nj_heap_set(nj, i, g);
}

static void
nj_heap_push(struct netjoin *nj, struct nj_group *g)
{
	if (nj->nheap == nj->capheap) {
		nj_bytes_sub(nj, nj->capheap * sizeof(*nj->heap));
		nj->capheap = nj->capheap == 0 ? 64 : nj->capheap * 2;
		nj->heap = xreallocarray(nj->heap, nj->capheap,
		    sizeof(*nj->heap));
		nj_bytes_add(nj, nj->capheap * sizeof(*nj->heap));
	}
	nj->heap[nj->nheap] = g;
	nj_heap_up(nj, nj->nheap++);
}

static void
nj_heap_remove(struct netjoin *nj, struct nj_group *g)
{
	size_t	 i = g->heapidx;

	if (i == NJ_NOHEAP)
		return;
	g->heapidx = NJ_NOHEAP;
	if (i == --nj->nheap)
		return;
	nj_heap_set(nj, i, nj->heap[nj->nheap]);
	nj_heap_up(nj, i);
	nj_heap_down(nj, nj->heap[i]->heapidx);
}

/* --- alerts ---------------------------------------------------------- */

static struct slice
istr_slice(const struct istr *is)
{
	if (is == NULL)
		return (SLICE_EMPTY);
	return ((struct slice){ is->s, is->len });
}

static void
nj_alert_signature(const struct nj_key *k, struct alert *a)
{
	a->has_sig = 1;
	a->sig_signed = k->is_signed;
	a->sig_trusted = k->is_trusted;
	a->sig_status = istr_slice(k->status);
	a->sig_signer = istr_slice(k->signer);
	a->sig_issuer = istr_slice(k->issuer);
	a->sig_source = k->source;
	a->sig_time = k->fact_time;
}

static void
nj_alert_network(const struct nj_group *g, struct alert *a)
{
	size_t	 i;

	a->has_net = 1;
	a->remote_ip = g->ip;
	a->has_port = g->has_port;
	a->remote_port = g->port;
	a->protocol = istr_slice(g->protocol);
	for (i = 0; i < g->nports; i++)
		a->ports[i] = g->ports[i];
	a->nports = g->nports;
	for (i = 0; i < g->nurls; i++)
		a->urls[i] = istr_slice(g->urls[i]);
	a->nurls = g->nurls;
	if (g->nurls > 0)
		a->remote_url = a->urls[g->nurls - 1];
}

/* Send what the group has counted, as one alert at event time t. */
static void
nj_emit(struct netjoin *nj, struct nj_group *g, int64_t t)
{
	struct alert	 a;
	struct nj_key	*k = g->key;

	memset(&a, 0, sizeof(a));
	a.kind = ALERT_ALERT;
	a.rule = RULE_NETJOIN;
	a.severity = SEV_HIGH;
	a.time = t;
	a.detected_at = nj->now;
	a.device_id = istr_slice(k->device);
	a.device_name = istr_slice(g->device_name);
	a.has_pid = g->has_pid;
	a.pid = g->pid;
	a.image = istr_slice(g->image);
	a.guid = istr_slice(g->guid);
	a.user = istr_slice(g->user);
	a.cmdline = (struct slice){ g->cmdline, g->cmdlen };
	if (k->path == NULL) {
		a.has_sha1 = a.has_file_sha1 = 1;
		memcpy(a.sha1, k->sha1, 20);
		memcpy(a.file_sha1, k->sha1, 20);
	} else {
		a.key_is_path = 1;
		a.key_path = istr_slice(k->path);
	}
	nj_alert_signature(k, &a);
	nj_alert_network(g, &a);
	a.count = g->pending;
	a.first_seen = g->pfirst;
	a.last_seen = g->plast;
	g->pending = 0;
	nj_heap_remove(nj, g);
	g->pfirst = g->plast = NJ_NONE;
	nj->st.alerts++;
	nj->sink.emit(nj->sink.arg, &a);
}

/*
 * n connections of group g matched, at event times [first, last]; t is
 * the event time of the record that made the match.
 */
static void
nj_matched(struct netjoin *nj, struct nj_group *g, uint64_t n, int64_t first,
    int64_t last, int64_t t)
{
	nj->st.matched += n;
	g->pending += n;
	g->pfirst = g->pfirst == NJ_NONE ? first : min64(g->pfirst, first);
	g->plast = g->plast == NJ_NONE ? last : max64(g->plast, last);
	if (nj->suppress == 0 || g->last_alert == NJ_NONE ||
	    t >= g->last_alert + nj->suppress) {
		nj_emit(nj, g, t);
		g->last_alert = t;
	} else {
		nj->st.suppressed += n;
		if (g->heapidx == NJ_NOHEAP)
			nj_heap_push(nj, g);
	}
}

/* Send what the group still counts: at eviction and at stop. */
static void
nj_group_settle(struct netjoin *nj, struct nj_group *g)
{
	if (g->pending > 0)
		nj_emit(nj, g, g->plast);
}

/* --- waiting connections ---------------------------------------------- */

static void
nj_wait_add(struct netjoin *nj, struct nj_group *g, int64_t t)
{
	if (g->nwt == g->capwt && g->capwt < NJ_WAIT_EXACT) {
		nj_bytes_sub(nj, g->capwt * sizeof(*g->wt));
		g->capwt = g->capwt == 0 ? 1 : g->capwt * 2;
		g->wt = xreallocarray(g->wt, g->capwt, sizeof(*g->wt));
		nj_bytes_add(nj, g->capwt * sizeof(*g->wt));
	}
	if (g->nwt < g->capwt) {
		g->wt[g->nwt++] = t;
		return;
	}
	nj->st.approx++;
	if (g->wover == 0)
		g->wover_lo = g->wover_hi = t;
	g->wover++;
	g->wover_lo = min64(g->wover_lo, t);
	g->wover_hi = max64(g->wover_hi, t);
}

/* Drop waiting times older than the horizon. */
static void
nj_wait_age(struct netjoin *nj, struct nj_group *g)
{
	int64_t		 hz = nj_horizon(nj);
	uint32_t	 i, j;

	for (i = j = 0; i < g->nwt; i++) {
		if (g->wt[i] < hz)
			nj->st.waited_out++;
		else
			g->wt[j++] = g->wt[i];
	}
	g->nwt = j;
	if (g->wover > 0 && g->wover_hi < hz) {
		nj->st.waited_out += g->wover;
		g->wover = 0;
	}
}

/* A bad fact at time tc arrived: take the waiting connections it covers. */
static void
nj_wait_match(struct netjoin *nj, struct nj_group *g, int64_t tc)
{
	int64_t		 first = NJ_NONE, last = NJ_NONE, t;
	uint64_t	 n = 0;
	uint32_t	 i, j;

	nj_wait_age(nj, g);
	for (i = j = 0; i < g->nwt; i++) {
		t = g->wt[i];
		if (t >= tc - nj->window && t <= tc + nj->window) {
			first = n == 0 ? t : min64(first, t);
			last = n == 0 ? t : max64(last, t);
			n++;
		} else
			g->wt[j++] = t;
	}
	g->nwt = j;
	if (g->wover > 0 && tc >= g->wover_lo - nj->window &&
	    tc <= g->wover_hi + nj->window) {
		first = n == 0 ? g->wover_lo : min64(first, g->wover_lo);
		last = n == 0 ? g->wover_hi : max64(last, g->wover_hi);
		n += g->wover;
		g->wover = 0;
	}
	if (n > 0)
		nj_matched(nj, g, n, first, last, tc);
}

/* --- facts ------------------------------------------------------------ */

static void
nj_key_details(struct netjoin *nj, struct nj_key *k, const struct rec *r,
    const struct slice *status)
{
	if (k->fact_time != NJ_NONE && r->time < k->fact_time)
		return;
	k->fact_time = r->time;
	k->is_signed = r->is_signed;
	k->is_trusted = r->is_trusted;
	k->source = r->source;
	nj_istr_set(nj, &k->status, status);
	nj_istr_set(nj, &k->signer, &r->signer);
	nj_istr_set(nj, &k->issuer, &r->issuer);
}

static void
nj_key_bad(struct netjoin *nj, struct nj_key *k, const struct rec *r,
    const struct slice *status)
{
	struct nj_group	*g, *next;
	int64_t		 t = r->time;

	nj_key_age(nj, k);
	if (k->bad_hi == NJ_NONE || t > k->bad_hi + 2 * nj->window) {
		k->bad_lo = k->bad_hi = t;
		k->fact_time = NJ_NONE;
	} else {
		k->bad_lo = min64(k->bad_lo, t);
		k->bad_hi = max64(k->bad_hi, t);
	}
	if (k->bad_hi == t)
		nj_key_details(nj, k, r, status);
	for (g = LIST_FIRST(&k->groups); g != NULL; g = next) {
		next = LIST_NEXT(g, kentry);
		nj_group_place(nj, g);
		nj_wait_match(nj, g, t);
	}
}

static void
nj_key_fact(struct netjoin *nj, struct nj_key *k, const struct rec *r,
    int bad, const struct slice *status)
{
	struct nj_group	*g;

	TAILQ_REMOVE(&nj->keylru, k, lru);
	TAILQ_INSERT_TAIL(&nj->keylru, k, lru);
	if (bad) {
		nj_key_bad(nj, k, r, status);
		return;
	}
	k->good_last = max64(k->good_last, r->time);
	if (k->bad_hi == NJ_NONE)
		nj_key_details(nj, k, r, status);
	LIST_FOREACH(g, &k->groups, kentry)
		nj_group_place(nj, g);
}

/*
 * A code-signature fact (MDE DeviceFileCertificateInfo or the file side
 * of a Sysmon image load). Bad: not signed or not trusted; good: both
 * known true; anything else (MDE's unknown booleans) is only counted.
 */
void
netjoin_fact(struct netjoin *nj, const struct rec *r)
{
	struct slice	 status = r->status;
	struct nj_key	*k;
	int		 bad;

	if (r->is_signed == TRI_FALSE || r->is_trusted == TRI_FALSE)
		bad = 1;
	else if (r->is_signed == TRI_TRUE && r->is_trusted == TRI_TRUE)
		bad = 0;
	else {
		nj->st.facts_unknown++;
		return;
	}
	if (!r->has_sha1) {
		nj->st.facts_no_sha1++;
		return;
	}
	if (bad)
		nj->st.facts_bad++;
	else
		nj->st.facts_good++;
	if (r->source == SRC_SYSMON && r->is_signed == TRI_FALSE)
		status = (struct slice){ "Unsigned", 8 };
	k = nj_key_get(nj, &r->device, r->sha1, NULL);
	nj_key_fact(nj, k, r, bad, &status);
	if (r->source == SRC_SYSMON && r->path.n > 0) {
		k = nj_key_get(nj, &r->device, NULL, &r->path);
		nj_key_fact(nj, k, r, bad, &status);
	}
}

/* --- Sysmon process table --------------------------------------------- */

static uint64_t
nj_proc_hash(const struct netjoin *nj, const struct istr *dev,
    const struct slice *guid)
{
	struct siphash	 s;

	siphash_init(&s, &nj->sk);
	siphash_add(&s, &dev->h, sizeof(dev->h));
	siphash_add_lower(&s, guid->p, guid->n);
	return (siphash_end(&s));
}

static struct nj_proc *
nj_proc_find(struct netjoin *nj, const struct slice *devs,
    const struct slice *guid)
{
	struct istr	*dev;
	struct nj_proc	*p;
	uint64_t	 h;
	size_t		 it;

	if (guid->n == 0 || guid->n > sizeof(p->guid) ||
	    (dev = intern_lookup(nj->in, devs->p, devs->n)) == NULL)
		return (NULL);
	h = nj_proc_hash(nj, dev, guid);
	for (p = htab_first(&nj->procs, h, &it); p != NULL;
	    p = htab_next(&nj->procs, h, &it))
		if (p->device == dev && p->guidlen == guid->n &&
		    ascii_eq_ci(p->guid, guid->p, guid->n))
			return (p);
	return (NULL);
}

static void
nj_proc_free(struct netjoin *nj, struct nj_proc *p)
{
	htab_remove(&nj->procs, p->h, p);
	TAILQ_REMOVE(&nj->proclru, p, lru);
	intern_put(nj->in, p->device);
	nj->st.procs--;
	nj_bytes_sub(nj, sizeof(*p) + sizeof(struct htab_slot));
	free(p);
}

/*
 * A Sysmon process start: remember its SHA1 under (device, ProcessGuid)
 * so later connections of the process join by hash. Without a SHA1 the
 * entry would add nothing: connections fall back to the path key anyway.
 */
void
netjoin_proc(struct netjoin *nj, const struct rec *r)
{
	struct nj_proc	*p;
	size_t		 i;

	if (!r->has_sha1 || r->guid.n == 0 || r->guid.n > sizeof(p->guid))
		return;
	if ((p = nj_proc_find(nj, &r->device, &r->guid)) != NULL) {
		if (r->time >= p->time) {
			p->time = r->time;
			memcpy(p->sha1, r->sha1, 20);
		}
		/* Eviction takes the least recently seen process first. */
		TAILQ_REMOVE(&nj->proclru, p, lru);
		TAILQ_INSERT_TAIL(&nj->proclru, p, lru);
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->device = intern_get(nj->in, r->device.p, r->device.n);
	p->time = r->time;
	memcpy(p->sha1, r->sha1, 20);
	for (i = 0; i < r->guid.n; i++)
		p->guid[i] = (r->guid.p[i] >= 'A' && r->guid.p[i] <= 'Z') ?
		    r->guid.p[i] + 'a' - 'A' : r->guid.p[i];
	p->guidlen = (uint8_t)r->guid.n;
	p->h = nj_proc_hash(nj, p->device, &r->guid);
	htab_insert(&nj->procs, p->h, p);
	TAILQ_INSERT_TAIL(&nj->proclru, p, lru);
	nj->st.procs++;
	nj_bytes_add(nj, sizeof(*p) + sizeof(struct htab_slot));
}

/* --- connections ------------------------------------------------------ */

/* Spec section 3: outbound, not pid 0 or 4, to a public address. */
static int
nj_qualifies(struct netjoin *nj, const struct rec *r)
{
	if (r->outbound != TRI_TRUE) {
		nj->st.not_outbound++;
		return (0);
	}
	if (r->has_pid && (r->pid == 0 || r->pid == 4)) {
		nj->st.system_pid++;
		return (0);
	}
	if (r->ip_state == IP_NONE) {
		nj->st.no_ip++;
		return (0);
	}
	if (r->ip_state == IP_BAD) {
		nj->st.bad_ip++;
		return (0);
	}
	if (cidr_list_contains(&nj->internal, &r->remote_ip)) {
		nj->st.not_public++;
		return (0);
	}
	nj->st.qualifying++;
	return (1);
}

/*
 * The join key of a connection: its own SHA1 (MDE), the SHA1 of the
 * process that made it (Sysmon, via the process table, if that entry is
 * still held), else the image path.
 */
static struct nj_key *
nj_net_key(struct netjoin *nj, const struct rec *r)
{
	struct nj_proc	*p;

	if (r->has_sha1)
		return (nj_key_get(nj, &r->device, r->sha1, NULL));
	if (r->source != SRC_SYSMON)
		return (NULL);
	p = nj_proc_find(nj, &r->device, &r->guid);
	if (p != NULL && p->time >= nj_horizon(nj)) {
		nj->st.by_proc++;
		return (nj_key_get(nj, &r->device, p->sha1, NULL));
	}
	if (r->image.n == 0)
		return (NULL);
	nj->st.by_path++;
	return (nj_key_get(nj, &r->device, NULL, &r->image));
}

void
netjoin_net(struct netjoin *nj, const struct rec *r)
{
	struct nj_key	*k;
	struct nj_group	*g;

	nj->st.net++;
	if (!nj_qualifies(nj, r))
		return;
	if ((k = nj_net_key(nj, r)) == NULL) {
		nj->st.no_key++;
		return;
	}
	g = nj_group_get(nj, k, &r->remote_ip);
	nj_group_context(nj, g, r);
	nj_group_touch(nj, g);
	if (nj_key_covers(nj, k, r->time))
		nj_matched(nj, g, 1, r->time, r->time, r->time);
	else
		nj_wait_add(nj, g, r->time);
}

/* --- expiry, eviction, flush ------------------------------------------ */

/* A group whose suppression has lapsed and that holds nothing is done. */
static int
nj_group_idle(const struct netjoin *nj, const struct nj_group *g)
{
	return (g->nwt == 0 && g->wover == 0 && g->pending == 0 &&
	    (g->last_alert == NJ_NONE ||
	    g->last_alert + nj->suppress <= nj->wm));
}

static int
nj_expire_group(struct netjoin *nj, struct nj_group *g)
{
	nj_wait_age(nj, g);
	if (!nj_group_idle(nj, g))
		return (0);
	nj_group_free(nj, g);
	return (1);
}

static int
nj_expire_key(struct netjoin *nj, struct nj_key *k)
{
	nj_key_age(nj, k);
	if (k->bad_hi != NJ_NONE || k->good_last != NJ_NONE ||
	    !LIST_EMPTY(&k->groups))
		return (0);
	nj_key_free(nj, k);
	return (1);
}

static int
nj_expire_proc(struct netjoin *nj, struct nj_proc *p)
{
	if (p->time >= nj_horizon(nj))
		return (0);
	nj_proc_free(nj, p);
	return (1);
}

/*
 * Examine up to `budget' slots of one table from where the sweep last
 * stopped. A removal shifts a later entry into the current slot, so the
 * slot is looked at again.
 */
static size_t
nj_sweep(struct netjoin *nj, unsigned which, size_t budget)
{
	struct htab	*t = which == 0 ? &nj->groups :
			    which == 1 ? &nj->keys : &nj->procs;
	size_t		 done = 0, *cur = &nj->cursor[which];
	void		*e;
	int		 freed;

	while (done < budget) {
		if (*cur >= htab_capacity(t)) {
			*cur = 0;
			break;
		}
		done++;
		if ((e = htab_at(t, *cur)) == NULL) {
			(*cur)++;
			continue;
		}
		if (which == 0)
			freed = nj_expire_group(nj, e);
		else if (which == 1)
			freed = nj_expire_key(nj, e);
		else
			freed = nj_expire_proc(nj, e);
		if (!freed)
			(*cur)++;
	}
	return (done);
}

/* Bounded expiry work; returns the number of slots examined. */
size_t
netjoin_expire(struct netjoin *nj, size_t budget)
{
	size_t	 done = 0, n;
	unsigned i;

	if (nj->wm == NJ_NONE)
		return (0);
	for (i = 0; i < 3 && done < budget; i++) {
		n = nj_sweep(nj, nj->sweep, budget - done);
		done += n;
		if (done < budget)
			nj->sweep = (nj->sweep + 1) % 3;
	}
	return (done);
}

/*
 * Free one entry to get back under the memory budget, in the spec's
 * order: the oldest group of a key known good, then the oldest group of
 * any other key, then the oldest process entry, then the oldest key (by
 * then no key has groups). Counted sends are sent first, never dropped.
 * Returns 0 when there was nothing left to evict.
 */
int
netjoin_evict(struct netjoin *nj)
{
	struct nj_group	*g;
	struct nj_proc	*p;
	struct nj_key	*k;

	if ((g = TAILQ_FIRST(&nj->goodlru)) != NULL ||
	    (g = TAILQ_FIRST(&nj->otherlru)) != NULL) {
		nj_group_settle(nj, g);
		nj->st.evicted_groups++;
		nj->st.evicted_events += g->nwt + g->wover;
		nj_group_free(nj, g);
		return (1);
	}
	if ((p = TAILQ_FIRST(&nj->proclru)) != NULL) {
		nj->st.evicted_procs++;
		nj_proc_free(nj, p);
		return (1);
	}
	if ((k = TAILQ_FIRST(&nj->keylru)) != NULL) {
		nj->st.evicted_keys++;
		nj_key_free(nj, k);
		return (1);
	}
	return (0);
}

/* At the end of a replay or at stop: send every count still held. */
void
netjoin_flush(struct netjoin *nj)
{
	struct nj_group	*g;
	size_t		 i;

	for (i = 0; i < htab_capacity(&nj->groups); i++)
		if ((g = htab_at(&nj->groups, i)) != NULL)
			nj_group_settle(nj, g);
}

const struct netjoin_stats *
netjoin_stats(const struct netjoin *nj)
{
	return (&nj->st);
}

void
netjoin_free(struct netjoin *nj)
{
	struct nj_group	*g;
	struct nj_proc	*p;
	struct nj_key	*k;

	if (nj == NULL)
		return;
	while ((g = TAILQ_FIRST(&nj->goodlru)) != NULL ||
	    (g = TAILQ_FIRST(&nj->otherlru)) != NULL)
		nj_group_free(nj, g);
	while ((p = TAILQ_FIRST(&nj->proclru)) != NULL)
		nj_proc_free(nj, p);
	while ((k = TAILQ_FIRST(&nj->keylru)) != NULL)
		nj_key_free(nj, k);
	htab_clear(&nj->keys);
	htab_clear(&nj->groups);
	htab_clear(&nj->procs);
	cidr_list_clear(&nj->internal);
	free(nj->heap);
	free(nj);
}

/*
 * Reload: the options that may change while the state lives. A new S
 * shifts every suppression deadline by the same amount, so the heap
 * keeps its order; internal applies to connections from now on.
 */
void
netjoin_reconf(struct netjoin *nj, const struct conf *cf)
{
	nj->suppress = cf->suppress;
	cidr_list_copy(&nj->internal, &cf->internal);
}

/* --- the state file ----------------------------------------------------
 *
 * NJKY holds the keys in eviction order, each followed by its groups in
 * the order of the key's list (which decides the order of the alerts a
 * late fact releases). A group carries its rank in the eviction order
 * (known-good list first) and its index in the suppression heap, so that
 * loading rebuilds both exactly. NJPR holds the process table in eviction
 * order. Hashes are not saved: they are computed again with this
 * process's key.
 */

#define NJ_KEY_MIN	64	/* bytes of the smallest key record */
#define NJ_GROUP_MIN	139
#define NJ_PROC_MIN	33

static void
nj_save_group(struct snapshot_w *w, const struct nj_group *g)
{
	uint32_t	 i;

	snapshot_put_u64(w, g->rank);
	snapshot_put_u8(w, (uint8_t)g->good);
	snapshot_put(w, &g->ip, sizeof(g->ip));
	snapshot_put_u32(w, g->capwt);
	snapshot_put_u32(w, g->nwt);
	for (i = 0; i < g->nwt; i++)
		snapshot_put_i64(w, g->wt[i]);
	snapshot_put_u64(w, g->wover);
	snapshot_put_i64(w, g->wover_lo);
	snapshot_put_i64(w, g->wover_hi);
	snapshot_put_i64(w, g->last_alert);
	snapshot_put_u64(w, g->heapidx == NJ_NOHEAP ? UINT64_MAX : g->heapidx);
	snapshot_put_u64(w, g->pending);
	snapshot_put_i64(w, g->pfirst);
	snapshot_put_i64(w, g->plast);
	snapshot_put_i64(w, g->last_seen);
	snapshot_put_str(w, g->device_name);
	snapshot_put_str(w, g->image);
	snapshot_put_str(w, g->guid);
	snapshot_put_str(w, g->user);
	snapshot_put_str(w, g->protocol);
	snapshot_put_u32(w, (uint32_t)g->cmdlen);
	snapshot_put(w, g->cmdline, g->cmdlen);
	snapshot_put_i64(w, g->pid);
	snapshot_put_u8(w, (uint8_t)g->has_pid);
	snapshot_put_u8(w, (uint8_t)g->has_port);
	snapshot_put_u16(w, g->port);
	snapshot_put_u8(w, g->nports);
	for (i = 0; i < g->nports; i++)
		snapshot_put_u16(w, g->ports[i]);
	snapshot_put_u8(w, g->nurls);
	for (i = 0; i < g->nurls; i++)
		snapshot_put_str(w, g->urls[i]);
}

static void
nj_save_key(struct snapshot_w *w, const struct nj_key *k)
{
	const struct nj_group	*g;
	uint64_t		 n = 0;

	snapshot_put_u8(w, k->path != NULL);
	snapshot_put_str(w, k->device);
	if (k->path != NULL)
		snapshot_put_str(w, k->path);
	else
		snapshot_put(w, k->sha1, sizeof(k->sha1));
	snapshot_put_u8(w, (uint8_t)k->is_signed);
	snapshot_put_u8(w, (uint8_t)k->is_trusted);
	snapshot_put_u8(w, k->source);
	snapshot_put_i64(w, k->bad_lo);
	snapshot_put_i64(w, k->bad_hi);
	snapshot_put_i64(w, k->good_last);
	snapshot_put_i64(w, k->fact_time);
	snapshot_put_str(w, k->status);
	snapshot_put_str(w, k->signer);
	snapshot_put_str(w, k->issuer);
	LIST_FOREACH(g, &k->groups, kentry)
		n++;
	snapshot_put_u64(w, n);
	LIST_FOREACH(g, &k->groups, kentry)
		nj_save_group(w, g);
}

static void
nj_save_keys_cb(struct snapshot_w *w, void *arg)
{
	struct netjoin	*nj = arg;
	struct nj_key	*k;

	snapshot_put_u64(w, nj->st.keys);
	snapshot_put_u64(w, nj->st.groups);
	snapshot_put_u64(w, nj->nheap);
	snapshot_put_u64(w, nj->capheap);
	TAILQ_FOREACH(k, &nj->keylru, lru)
		nj_save_key(w, k);
}

static void
nj_save_procs_cb(struct snapshot_w *w, void *arg)
{
	struct netjoin	*nj = arg;
	struct nj_proc	*p;

	snapshot_put_u64(w, nj->st.procs);
	TAILQ_FOREACH(p, &nj->proclru, lru) {
		snapshot_put_str(w, p->device);
		snapshot_put_i64(w, p->time);
		snapshot_put(w, p->sha1, sizeof(p->sha1));
		snapshot_put_u8(w, p->guidlen);
		snapshot_put(w, p->guid, p->guidlen);
	}
}

/* Write the NJKY and NJPR sections. */
int
netjoin_save(struct netjoin *nj, struct snapshot_w *w)
{
	struct nj_group	*g;
	uint64_t	 rank = 0;

	TAILQ_FOREACH(g, &nj->goodlru, lru)
		g->rank = rank++;
	TAILQ_FOREACH(g, &nj->otherlru, lru)
		g->rank = rank++;
	if (snapshot_section(w, SNAPSHOT_NJKY, nj_save_keys_cb, nj) == -1 ||
	    snapshot_section(w, SNAPSHOT_NJPR, nj_save_procs_cb, nj) == -1)
		return (-1);
	return (0);
}

/* What a load is rebuilding, besides the tables themselves. */
struct nj_loading {
	struct nj_group	**byrank;
	struct nj_group	**heap;
	uint64_t	  ngroups;
	uint64_t	  nheap;
	uint64_t	  seen;		/* groups read so far */
};

/* A group read but not linked anywhere: give back what it holds. */
static void
nj_group_discard(struct netjoin *nj, struct nj_group *g)
{
	size_t	 i;

	intern_put(nj->in, g->device_name);
	intern_put(nj->in, g->image);
	intern_put(nj->in, g->guid);
	intern_put(nj->in, g->user);
	intern_put(nj->in, g->protocol);
	for (i = 0; i < g->nurls; i++)
		intern_put(nj->in, g->urls[i]);
	free(g->cmdline);
	free(g->wt);
	free(g);
}

static int
nj_load_waiting(struct snapshot_r *r, struct nj_group *g)
{
	uint32_t	 i;

	if (snapshot_get_u32(r, &g->capwt) == -1 ||
	    snapshot_get_u32(r, &g->nwt) == -1)
		return (-1);
	if (g->capwt > NJ_WAIT_EXACT || g->nwt > g->capwt) {
		g->nwt = g->capwt = 0;
		return (snapshot_fail(r, "bad count of waiting connections"));
	}
	if (g->capwt > 0)
		g->wt = xcalloc(g->capwt, sizeof(*g->wt));
	for (i = 0; i < g->nwt; i++)
		if (snapshot_get_time(r, &g->wt[i]) == -1)
			return (-1);
	if (snapshot_get_u64(r, &g->wover) == -1 ||
	    snapshot_get_time(r, &g->wover_lo) == -1 ||
	    snapshot_get_time(r, &g->wover_hi) == -1)
		return (-1);
	if (g->wover > 0 && (g->wover_lo == NJ_NONE || g->wover_hi == NJ_NONE))
		return (snapshot_fail(r, "waiting aggregate without times"));
	return (0);
}

static int
nj_load_context(struct snapshot_r *r, struct nj_group *g)
{
	uint32_t	 len;
	uint8_t		 hp, hpo, n, i;

	if (snapshot_get_str(r, &g->device_name) == -1 ||
	    snapshot_get_str(r, &g->image) == -1 ||
	    snapshot_get_str(r, &g->guid) == -1 ||
	    snapshot_get_str(r, &g->user) == -1 ||
	    snapshot_get_str(r, &g->protocol) == -1 ||
	    snapshot_get_u32(r, &len) == -1)
		return (-1);
	if (len > r->n)
		return (snapshot_fail(r,
		    "command line longer than its section"));
	if (len > 0) {
		g->cmdline = xmalloc(len);
		g->cmdlen = len;
		(void)snapshot_get(r, g->cmdline, len);
	}
	if (snapshot_get_i64(r, &g->pid) == -1 ||
	    snapshot_get_u8(r, &hp) == -1 || snapshot_get_u8(r, &hpo) == -1 ||
	    snapshot_get_u16(r, &g->port) == -1 ||
	    snapshot_get_u8(r, &n) == -1)
		return (-1);
	g->has_pid = hp != 0;
	g->has_port = hpo != 0;
	if (n > ALERT_MAX_PORTS)
		return (snapshot_fail(r, "too many ports in a group"));
	for (i = 0; i < n; i++)
		if (snapshot_get_u16(r, &g->ports[g->nports++]) == -1)
			return (-1);
	if (snapshot_get_u8(r, &n) == -1)
		return (-1);
	if (n > ALERT_MAX_URLS)
		return (snapshot_fail(r, "too many URLs in a group"));
	for (i = 0; i < n; i++) {
		if (snapshot_get_str(r, &g->urls[g->nurls]) == -1)
			return (-1);
		if (g->urls[g->nurls++] == NULL)
			return (snapshot_fail(r, "empty URL in a group"));
	}
	return (0);
}

/* One group record, not yet linked. */
static struct nj_group *
nj_load_group_fields(struct snapshot_r *r, struct nj_loading *ld)
{
	struct nj_group	*g;
	uint64_t	 hi;
	uint8_t		 good;

	g = xcalloc(1, sizeof(*g));
	g->heapidx = NJ_NOHEAP;
	if (snapshot_get_u64(r, &g->rank) == -1 ||
	    snapshot_get_u8(r, &good) == -1 ||
	    snapshot_get(r, &g->ip, sizeof(g->ip)) == -1 ||
	    nj_load_waiting(r, g) == -1 ||
	    snapshot_get_time(r, &g->last_alert) == -1 ||
	    snapshot_get_u64(r, &hi) == -1 ||
	    snapshot_get_u64(r, &g->pending) == -1 ||
	    snapshot_get_time(r, &g->pfirst) == -1 ||
	    snapshot_get_time(r, &g->plast) == -1 ||
	    snapshot_get_time(r, &g->last_seen) == -1 ||
	    nj_load_context(r, g) == -1)
		return (g);
	g->good = good != 0;
	if (g->rank >= ld->ngroups || ld->byrank[g->rank] != NULL)
		snapshot_fail(r, "bad or repeated group rank");
	else if (hi != UINT64_MAX && (hi >= ld->nheap || ld->heap[hi] != NULL))
		snapshot_fail(r, "bad or repeated heap index");
	else if (hi != UINT64_MAX)
		ld->heap[hi] = g;
	return (g);
}

/* The groups of key k, appended to its list in the order read. */
static int
nj_load_groups(struct netjoin *nj, struct snapshot_r *r, struct nj_key *k,
    struct nj_loading *ld)
{
	struct nj_group	*g, *last = NULL, *o;
	uint64_t	 n, i;
	size_t		 it;

	if (snapshot_get_count(r, NJ_GROUP_MIN, &n) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		g = nj_load_group_fields(r, ld);
		if (++ld->seen > ld->ngroups)
			snapshot_fail(r, "more groups than counted");
		if (r->err) {
			nj_group_discard(nj, g);
			return (-1);
		}
		g->key = k;
		g->h = nj_group_hash(nj, k, &g->ip);
		for (o = htab_first(&nj->groups, g->h, &it); o != NULL;
		    o = htab_next(&nj->groups, g->h, &it))
			if (o->key == k &&
			    memcmp(&o->ip, &g->ip, sizeof(g->ip)) == 0) {
				ld->byrank[g->rank] = NULL;
				nj_group_discard(nj, g);
				return (snapshot_fail(r, "repeated group"));
			}
		ld->byrank[g->rank] = g;
		if (last == NULL)
			LIST_INSERT_HEAD(&k->groups, g, kentry);
		else
			LIST_INSERT_AFTER(last, g, kentry);
		last = g;
		TAILQ_INSERT_TAIL(g->good ? &nj->goodlru : &nj->otherlru, g,
		    lru);
		htab_insert(&nj->groups, g->h, g);
		nj->st.groups++;
		nj_bytes_add(nj, sizeof(*g) + sizeof(struct htab_slot) +
		    g->cmdlen + g->capwt * sizeof(*g->wt));
	}
	return (0);
}

static int
nj_load_key_fields(struct snapshot_r *r, struct nj_key *k)
{
	uint8_t	 ispath, sg, tr;

	if (snapshot_get_u8(r, &ispath) == -1 ||
	    snapshot_get_str(r, &k->device) == -1)
		return (-1);
	if (ispath ? snapshot_get_str(r, &k->path) == -1 :
	    snapshot_get(r, k->sha1, sizeof(k->sha1)) == -1)
		return (-1);
	if (snapshot_get_u8(r, &sg) == -1 || snapshot_get_u8(r, &tr) == -1 ||
	    snapshot_get_u8(r, &k->source) == -1 ||
	    snapshot_get_time(r, &k->bad_lo) == -1 ||
	    snapshot_get_time(r, &k->bad_hi) == -1 ||
	    snapshot_get_time(r, &k->good_last) == -1 ||
	    snapshot_get_time(r, &k->fact_time) == -1 ||
	    snapshot_get_str(r, &k->status) == -1 ||
	    snapshot_get_str(r, &k->signer) == -1 ||
	    snapshot_get_str(r, &k->issuer) == -1)
		return (-1);
	k->is_signed = (int8_t)sg;
	k->is_trusted = (int8_t)tr;
	if (k->device == NULL || (ispath && k->path == NULL))
		return (snapshot_fail(r, "key without device or path"));
	if (k->source >= SRC_NSOURCES || k->is_signed < TRI_UNKNOWN ||
	    k->is_signed > TRI_TRUE || k->is_trusted < TRI_UNKNOWN ||
	    k->is_trusted > TRI_TRUE)
		return (snapshot_fail(r, "bad signature fields"));
	if ((k->bad_lo == NJ_NONE) != (k->bad_hi == NJ_NONE) ||
	    k->bad_lo > k->bad_hi)
		return (snapshot_fail(r, "bad span of bad facts"));
	return (0);
}

static int
nj_load_key(struct netjoin *nj, struct snapshot_r *r, struct nj_loading *ld)
{
	struct nj_key	*k;
	const char	*p;
	size_t		 pl;

	k = xcalloc(1, sizeof(*k));
	LIST_INIT(&k->groups);
	if (nj_load_key_fields(r, k) == -1) {
		intern_put(nj->in, k->device);
		intern_put(nj->in, k->path);
		intern_put(nj->in, k->status);
		intern_put(nj->in, k->signer);
		intern_put(nj->in, k->issuer);
		free(k);
		return (-1);
	}
	p = k->path != NULL ? k->path->s : NULL;
	pl = k->path != NULL ? k->path->len : 0;
	k->h = nj_key_hash(nj, k->device, k->sha1, p, pl);
	/* Linked first, so that any failure below frees it with the rest. */
	htab_insert(&nj->keys, k->h, k);
	TAILQ_INSERT_TAIL(&nj->keylru, k, lru);
	nj->st.keys++;
	nj_bytes_add(nj, sizeof(*k) + sizeof(struct htab_slot));
	if (nj_key_find(nj, k->device, k->sha1, p, pl, k->h) != k)
		return (snapshot_fail(r, "repeated key"));
	return (nj_load_groups(nj, r, k, ld));
}

/*
 * Every group was read: put the eviction lists in their saved order and
 * install the suppression heap. Pushed in the saved order, a valid heap
 * stays as it was (each entry already above its parent's deadline); one
 * saved under another suppress is reordered for this one.
 */
static int
nj_load_finish(struct netjoin *nj, struct snapshot_r *r, struct nj_loading *ld)
{
	struct nj_group	*g;
	uint64_t	 i;

	if (ld->seen != ld->ngroups)
		return (snapshot_fail(r, "fewer groups than counted"));
	for (i = 0; i < ld->ngroups; i++) {
		g = ld->byrank[i];
		TAILQ_REMOVE(g->good ? &nj->goodlru : &nj->otherlru, g, lru);
		TAILQ_INSERT_TAIL(g->good ? &nj->goodlru : &nj->otherlru, g,
		    lru);
	}
	for (i = 0; i < ld->nheap; i++)
		if (ld->heap[i] == NULL || ld->heap[i]->pending == 0)
			return (snapshot_fail(r,
			    "hole in the suppression heap"));
	for (i = 0; i < ld->nheap; i++)
		nj_heap_push(nj, ld->heap[i]);
	return (0);
}

static int
nj_load_keys(struct netjoin *nj, struct snapshot_r *r)
{
	struct nj_loading	 ld;
	uint64_t		 n, i, cap;
	int			 rv = -1;

	memset(&ld, 0, sizeof(ld));
	if (snapshot_get_count(r, NJ_KEY_MIN, &n) == -1 ||
	    snapshot_get_count(r, NJ_GROUP_MIN, &ld.ngroups) == -1 ||
	    snapshot_get_u64(r, &ld.nheap) == -1 ||
	    snapshot_get_u64(r, &cap) == -1)
		return (-1);
	if (ld.nheap > ld.ngroups)
		return (snapshot_fail(r, "heap larger than the groups"));
	/*
	 * The heap's capacity is counted in the state's bytes: restored as
	 * it was, so that the memory budget bites where it would have. A
	 * capacity out of proportion with the groups is not trusted.
	 */
	if (cap >= ld.nheap && cap <= 2 * ld.ngroups + 64 && cap > 0) {
		nj->heap = xreallocarray(NULL, cap, sizeof(*nj->heap));
		nj->capheap = cap;
		nj_bytes_add(nj, cap * sizeof(*nj->heap));
	}
	/* Sized once for what comes, rather than grown step by step. */
	if (nj->keys.n == 0 && nj->groups.n == 0) {
		htab_clear(&nj->keys);
		htab_init(&nj->keys, n);
		htab_clear(&nj->groups);
		htab_init(&nj->groups, ld.ngroups);
	}
	ld.byrank = xcalloc(ld.ngroups + 1, sizeof(*ld.byrank));
	ld.heap = xcalloc(ld.nheap + 1, sizeof(*ld.heap));
	for (i = 0; i < n; i++)
		if (nj_load_key(nj, r, &ld) == -1)
			goto done;
	if (r->n != 0)
		snapshot_fail(r, "bytes after the keys");
	else
		rv = nj_load_finish(nj, r, &ld);
done:
	free(ld.byrank);
	free(ld.heap);
	return (rv);
}

static int
nj_load_proc(struct netjoin *nj, struct snapshot_r *r)
{
	struct nj_proc	*p;
	struct slice	 guid;

	p = xcalloc(1, sizeof(*p));
	if (snapshot_get_str(r, &p->device) == -1 ||
	    snapshot_get_time(r, &p->time) == -1 ||
	    snapshot_get(r, p->sha1, sizeof(p->sha1)) == -1 ||
	    snapshot_get_u8(r, &p->guidlen) == -1 ||
	    (p->guidlen > sizeof(p->guid) &&
	    snapshot_fail(r, "process GUID too long") == -1) ||
	    snapshot_get(r, p->guid, p->guidlen) == -1 ||
	    ((p->device == NULL || p->guidlen == 0) &&
	    snapshot_fail(r, "process without device or GUID") == -1)) {
		intern_put(nj->in, p->device);
		free(p);
		return (-1);
	}
	guid = (struct slice){ p->guid, p->guidlen };
	p->h = nj_proc_hash(nj, p->device, &guid);
	htab_insert(&nj->procs, p->h, p);
	TAILQ_INSERT_TAIL(&nj->proclru, p, lru);
	nj->st.procs++;
	nj_bytes_add(nj, sizeof(*p) + sizeof(struct htab_slot));
	if (nj_proc_find(nj, &(struct slice){ p->device->s,
	    p->device->len }, &guid) != p)
		return (snapshot_fail(r, "repeated process"));
	return (0);
}

static int
nj_load_procs(struct netjoin *nj, struct snapshot_r *r)
{
	uint64_t	 n, i;

	if (snapshot_get_count(r, NJ_PROC_MIN, &n) == -1)
		return (-1);
	if (nj->procs.n == 0) {
		htab_clear(&nj->procs);
		htab_init(&nj->procs, n);
	}
	for (i = 0; i < n; i++)
		if (nj_load_proc(nj, r) == -1)
			return (-1);
	if (r->n != 0)
		return (snapshot_fail(r, "bytes after the processes"));
	return (0);
}

/*
 * Read one of netjoin's sections into an empty netjoin. On failure the
 * netjoin holds part of the file, consistent enough to be freed.
 */
int
netjoin_restore(struct netjoin *nj, uint32_t tag, struct snapshot_r *r)
{
	if (tag == SNAPSHOT_NJKY)
		return (nj_load_keys(nj, r));
	if (tag == SNAPSHOT_NJPR)
		return (nj_load_procs(nj, r));
	return (snapshot_fail(r, "unknown netjoin section"));
}
