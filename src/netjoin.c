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
#include "itab.h"
#include "netjoin.h"
#include "pool.h"
#include "siphash.h"
#include "snapshot.h"
#include "tstamp.h"
#include "xmalloc.h"

#define NJ_NONE		INT64_MIN
#define NJ_NOHEAP	UINT32_MAX
#define NJ_WAIT_EXACT	32
#define NJ_PATHKEY	UINT32_C(0x80000000)	/* in nj_key.cls */
#define NJ_CLSID	(~NJ_PATHKEY)

/*
 * Entries live in pools and name each other by 32-bit ids (0: none), so
 * that ten million facts fit in well under a gigabyte: a key is 56
 * bytes, plus 4.7 to 8.5 bytes of index. What many keys share (their
 * device, the signer and status of their latest fact) is stored once,
 * as one refcounted (device, details) class, and named by one id.
 */

/* Links of a doubly linked list of pool entries, by id. */
struct nj_links {
	uint32_t	 prev;
	uint32_t	 next;
};

/* A device and the details of a key's latest fact, shared. */
struct nj_cls {
	struct istr	*dev;
	uint32_t	 sig;		/* nj_sig id, 0: no fact yet */
	uint32_t	 refs;
};

/* The signature details of a fact, shared by every key that has them. */
struct nj_sig {
	struct istr	*status;
	struct istr	*signer;
	struct istr	*issuer;
	uint32_t	 refs;
	int8_t		 is_signed;	/* enum tri */
	int8_t		 is_trusted;
	uint8_t		 source;
};

struct nj_key {
	uint8_t		 id[20];	/* SHA1, or a path key's istr * */
	uint32_t	 cls;		/* nj_cls id | NJ_PATHKEY */
	struct nj_links	 lru;		/* eviction order */
	uint32_t	 groups;	/* the first of its groups */
	/*
	 * The latest good fact, in seconds since 1970 rounded up (0: none):
	 * only its expiry and the known-good order depend on it, and a
	 * second more of either is harmless. Bad facts are exact.
	 */
	uint32_t	 good_s;
	/*
	 * While bad_hi is NJ_NONE (no bad fact held), bad_lo is the exact
	 * time of the fact whose details the key has, or NJ_NONE: an alert
	 * still tells it once the fact has aged out, whether the sweep has
	 * been by or not.
	 */
	int64_t		 bad_lo;
	int64_t		 bad_hi;
};

/* Ten million facts within 640 MB: keep it so. */
_Static_assert(sizeof(struct nj_key) == 56, "struct nj_key grew");

/*
 * A group: what every group needs. Most groups only wait (most files
 * never get a bad fact), so what a group needs once it has matched, or
 * has more waiting connections than it keeps exactly, or has seen a URL,
 * is a separate entry (nj_gx), made on demand and given back when the
 * group lapses.
 */
struct nj_group {
	struct in6_addr	 ip;
	uint32_t	 key;
	uint32_t	 gx;		/* its nj_gx, or 0 */
	struct nj_links	 kl;		/* the key's groups, in order */
	struct nj_links	 lru;		/* eviction order, on its list */
	uint32_t	 cmdlen;
	uint16_t	 port;
	uint16_t	 ports[ALERT_MAX_PORTS];
	uint8_t		 good;		/* on the known-good list */
	uint8_t		 has_pid;
	uint8_t		 has_port;
	uint8_t		 nports;
	uint8_t		 nurls;
	uint8_t		 nwt;
	uint8_t		 capwt;		/* 1: the time is inline */
	union {
		int64_t	 one;
		int64_t	*many;
	}		 wt;		/* exact waiting times */
	int64_t		 last_seen;
	int64_t		 pid;

	/* context of the latest connection, for the alert */
	struct istr	*device_name;
	struct istr	*image;
	struct istr	*guid;
	struct istr	*user;
	struct istr	*protocol;
	char		*cmdline;
};

_Static_assert(sizeof(struct nj_group) == 144, "struct nj_group grew");

struct nj_gx {
	uint64_t	 wover;		/* folded waiting events */
	int64_t		 wover_lo;
	int64_t		 wover_hi;
	int64_t		 last_alert;
	uint64_t	 pending;	/* suppressed matches, to send */
	int64_t		 pfirst;
	int64_t		 plast;
	uint32_t	 heapidx;	/* in nj->heap, or NJ_NOHEAP */
	struct istr	*urls[ALERT_MAX_URLS];
};

/* What a group without an nj_gx has. */
static const struct nj_gx nj_gx_none = {
	.last_alert = NJ_NONE, .pfirst = NJ_NONE, .plast = NJ_NONE,
	.heapidx = NJ_NOHEAP
};

struct nj_list {
	uint32_t	 head;
	uint32_t	 tail;
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
	uint64_t		 budget;	/* state_memory, bytes */
	struct cidr_list	 internal;
	struct intern		*in;		/* borrowed */
	struct sipkey		 sk;
	struct alert_sink	 sink;

	int64_t			 wm;		/* watermark */
	int64_t			 now;		/* wall clock, for alerts */

	struct pool		 kpool;
	struct pool		 gpool;
	struct pool		 cpool;
	struct pool		 spool;
	struct pool		 xpool;
	struct itab		 keys;
	struct itab		 groups;
	struct itab		 clss;
	struct itab		 sigs;
	uint32_t		 lastsig;	/* of the latest fact, or 0 */
	struct htab		 procs;
	struct nj_list		 keylru;
	struct nj_list		 goodlru;	/* groups of known-good keys */
	struct nj_list		 otherlru;	/* groups of other keys */
	struct nj_proclru	 proclru;
	size_t			 cursor[3];
	unsigned		 sweep;		/* table the sweep is on */

	/* groups holding suppressed counts, by end of their interval */
	uint32_t		*heap;
	size_t			 nheap;
	size_t			 capheap;

	struct netjoin_stats	 st;
};

static void	nj_heap_remove(struct netjoin *, uint32_t);
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

/* --- entries by id ------------------------------------------------------ */

static struct nj_key *
nj_key(const struct netjoin *nj, uint32_t id)
{
	return (pool_at(&nj->kpool, id));
}

static struct nj_group *
nj_group(const struct netjoin *nj, uint32_t id)
{
	return (pool_at(&nj->gpool, id));
}

static struct nj_cls *
nj_cls(const struct netjoin *nj, uint32_t id)
{
	return (pool_at(&nj->cpool, id));
}

static struct nj_sig *
nj_sig(const struct netjoin *nj, uint32_t id)
{
	return (pool_at(&nj->spool, id));
}

/* A group's nj_gx to read: its own, or the defaults. */
static const struct nj_gx *
nj_gx_peek(const struct netjoin *nj, const struct nj_group *g)
{
	return (g->gx != 0 ? pool_at(&nj->xpool, g->gx) : &nj_gx_none);
}

/*
 * Lists of keys and of groups, linked by id. `off' is where the links
 * sit in the entry, so one set of functions serves every list.
 */
static struct nj_links *
nj_links(const struct pool *p, size_t off, uint32_t id)
{
	return ((struct nj_links *)(void *)((char *)pool_at(p, id) + off));
}

static void
nj_list_remove(struct nj_list *l, const struct pool *p, size_t off,
    uint32_t id)
{
	struct nj_links	*e = nj_links(p, off, id);

	if (e->prev != 0)
		nj_links(p, off, e->prev)->next = e->next;
	else
		l->head = e->next;
	if (e->next != 0)
		nj_links(p, off, e->next)->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = 0;
}

static void
nj_list_append(struct nj_list *l, const struct pool *p, size_t off,
    uint32_t id)
{
	struct nj_links	*e = nj_links(p, off, id);

	e->prev = l->tail;
	e->next = 0;
	if (l->tail != 0)
		nj_links(p, off, l->tail)->next = id;
	else
		l->head = id;
	l->tail = id;
}

#define NJ_KLRU		offsetof(struct nj_key, lru)
#define NJ_GLRU		offsetof(struct nj_group, lru)
#define NJ_GKL		offsetof(struct nj_group, kl)

static void
nj_key_lru_remove(struct netjoin *nj, uint32_t kid)
{
	nj_list_remove(&nj->keylru, &nj->kpool, NJ_KLRU, kid);
}

static void
nj_key_lru_append(struct netjoin *nj, uint32_t kid)
{
	nj_list_append(&nj->keylru, &nj->kpool, NJ_KLRU, kid);
}

static struct nj_list *
nj_group_lru(struct netjoin *nj, const struct nj_group *g)
{
	return (g->good ? &nj->goodlru : &nj->otherlru);
}

static void
nj_group_lru_remove(struct netjoin *nj, uint32_t gid)
{
	nj_list_remove(nj_group_lru(nj, nj_group(nj, gid)), &nj->gpool,
	    NJ_GLRU, gid);
}

static void
nj_group_lru_append(struct netjoin *nj, uint32_t gid)
{
	nj_list_append(nj_group_lru(nj, nj_group(nj, gid)), &nj->gpool,
	    NJ_GLRU, gid);
}

/* A key's groups: a list whose head is in the key, with no tail. */
static void
nj_kgroups_insert(struct netjoin *nj, struct nj_key *k, uint32_t after,
    uint32_t gid)
{
	struct nj_links	*e = nj_links(&nj->gpool, NJ_GKL, gid);
	uint32_t	 next = after != 0 ?
			    nj_links(&nj->gpool, NJ_GKL, after)->next :
			    k->groups;

	e->prev = after;
	e->next = next;
	if (next != 0)
		nj_links(&nj->gpool, NJ_GKL, next)->prev = gid;
	if (after != 0)
		nj_links(&nj->gpool, NJ_GKL, after)->next = gid;
	else
		k->groups = gid;
}

static void
nj_kgroups_remove(struct netjoin *nj, struct nj_key *k, uint32_t gid)
{
	struct nj_links	*e = nj_links(&nj->gpool, NJ_GKL, gid);

	if (e->prev != 0)
		nj_links(&nj->gpool, NJ_GKL, e->prev)->next = e->next;
	else
		k->groups = e->next;
	if (e->next != 0)
		nj_links(&nj->gpool, NJ_GKL, e->next)->prev = e->prev;
	e->prev = e->next = 0;
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

/*
 * What an entry costs: its pool item and its share of the index, which
 * is between 4.7 and 8.5 bytes (one 4-byte slot at 47 to 85 % full).
 */
#define NJ_SLOT_BYTES	6

/*
 * Ids run out at POOL_MAXID entries of a kind (134M): before a record
 * can add entries, the oldest go, as they would over the memory budget,
 * until each pool can hand out the few ids one record needs.
 */
#define NJ_ROOM		4

/*
 * Fewer than NJ_ROOM ids left, counting the free list: a free list of
 * one id is not room for a record that adds two keys once every fresh
 * id has been handed out.
 */
static int
nj_pool_tight(const struct pool *p)
{
	return (p->n > POOL_MAXID - NJ_ROOM);
}

static void
nj_make_room(struct netjoin *nj)
{
	while ((nj_pool_tight(&nj->kpool) || nj_pool_tight(&nj->gpool) ||
	    nj_pool_tight(&nj->cpool) || nj_pool_tight(&nj->spool) ||
	    nj_pool_tight(&nj->xpool)) &&
	    netjoin_evict(nj))
		;
}

/* An entry of pool p; nj_make_room() made sure there is one. */
static uint32_t
nj_pool_get(struct pool *p)
{
	uint32_t	 id;

	if ((id = pool_get(p)) == 0)
		abort();
	return (id);
}

/* A group's nj_gx to write: made if it has none. */
static struct nj_gx *
nj_gx(struct netjoin *nj, struct nj_group *g)
{
	struct nj_gx	*x;

	if (g->gx != 0)
		return (pool_at(&nj->xpool, g->gx));
	g->gx = nj_pool_get(&nj->xpool);
	x = pool_at(&nj->xpool, g->gx);
	*x = nj_gx_none;
	nj_bytes_add(nj, sizeof(*x));
	return (x);
}

/* The group says what nj_gx_none says again: its nj_gx goes back. */
static void
nj_gx_drop(struct netjoin *nj, struct nj_group *g)
{
	if (g->gx == 0)
		return;
	pool_put(&nj->xpool, g->gx);
	g->gx = 0;
	nj_bytes_sub(nj, sizeof(struct nj_gx));
}

/*
 * An nj_gx that says nothing nj_gx_none does not goes back, so that a
 * group holds one exactly when its state needs it: after a restart too,
 * where the memory budget must bite where it would have.
 */
static void
nj_gx_tidy(struct netjoin *nj, struct nj_group *g)
{
	const struct nj_gx	*x = nj_gx_peek(nj, g);

	if (g->gx != 0 && x->wover == 0 && x->last_alert == NJ_NONE &&
	    x->pending == 0 && x->pfirst == NJ_NONE && x->plast == NJ_NONE &&
	    x->heapidx == NJ_NOHEAP && g->nurls == 0)
		nj_gx_drop(nj, g);
}

/* --- shared strings: devices and signature details ---------------------- */

static uint64_t
nj_sig_hash(const struct netjoin *nj, const struct nj_sig *g)
{
	struct siphash	 s;
	uint8_t		 b[3];

	siphash_init(&s, &nj->sk);
	siphash_add(&s, &g->status, sizeof(g->status));
	siphash_add(&s, &g->signer, sizeof(g->signer));
	siphash_add(&s, &g->issuer, sizeof(g->issuer));
	b[0] = (uint8_t)g->is_signed;
	b[1] = (uint8_t)g->is_trusted;
	b[2] = g->source;
	siphash_add(&s, b, sizeof(b));
	return (siphash_end(&s));
}

static uint64_t
nj_sig_rehash(void *arg, uint32_t id)
{
	return (nj_sig_hash(arg, nj_sig(arg, id)));
}

static int
nj_sig_eq(const struct nj_sig *a, const struct nj_sig *b)
{
	return (a->status == b->status && a->signer == b->signer &&
	    a->issuer == b->issuer && a->is_signed == b->is_signed &&
	    a->is_trusted == b->is_trusted && a->source == b->source);
}

/*
 * The id of details *want, with a reference; the references *want holds
 * to its strings pass to the table (given back if it has them already).
 */
static uint32_t
nj_sig_get(struct netjoin *nj, const struct nj_sig *want)
{
	struct nj_sig	*g;
	uint64_t	 h = nj_sig_hash(nj, want);
	uint32_t	 id;
	size_t		 it;

	for (id = itab_first(&nj->sigs, h, &it); id != 0;
	    id = itab_next(&nj->sigs, h, &it))
		if (nj_sig_eq(g = nj_sig(nj, id), want)) {
			g->refs++;
			intern_put(nj->in, want->status);
			intern_put(nj->in, want->signer);
			intern_put(nj->in, want->issuer);
			return (id);
		}
	id = nj_pool_get(&nj->spool);
	g = nj_sig(nj, id);
	*g = *want;
	g->refs = 1;
	itab_insert(&nj->sigs, h, id);
	nj_bytes_add(nj, sizeof(*g) + NJ_SLOT_BYTES);
	return (id);
}

static void
nj_sig_put(struct netjoin *nj, uint32_t id)
{
	struct nj_sig	*g;

	if (id == 0 || --(g = nj_sig(nj, id))->refs > 0)
		return;
	itab_remove(&nj->sigs, nj_sig_hash(nj, g), id);
	if (nj->lastsig == id)
		nj->lastsig = 0;
	intern_put(nj->in, g->status);
	intern_put(nj->in, g->signer);
	intern_put(nj->in, g->issuer);
	pool_put(&nj->spool, id);
	nj_bytes_sub(nj, sizeof(*g) + NJ_SLOT_BYTES);
}

static uint64_t
nj_cls_hash(const struct netjoin *nj, const struct istr *dev, uint32_t sig)
{
	uint8_t		 b[16];

	memcpy(b, &dev->h, 8);
	memcpy(b + 8, &sig, 4);
	memset(b + 12, 0, 4);
	return (siphash(&nj->sk, b, sizeof(b)));
}

static uint64_t
nj_cls_rehash(void *arg, uint32_t id)
{
	struct nj_cls	*c = nj_cls(arg, id);

	return (nj_cls_hash(arg, c->dev, c->sig));
}

/*
 * The class (dev, sig), with a reference; a new class takes references
 * of its own to both.
 */
static uint32_t
nj_cls_get(struct netjoin *nj, struct istr *dev, uint32_t sig)
{
	struct nj_cls	*c;
	uint64_t	 h = nj_cls_hash(nj, dev, sig);
	uint32_t	 id;
	size_t		 it;

	for (id = itab_first(&nj->clss, h, &it); id != 0;
	    id = itab_next(&nj->clss, h, &it))
		if ((c = nj_cls(nj, id))->dev == dev && c->sig == sig) {
			c->refs++;
			return (id);
		}
	id = nj_pool_get(&nj->cpool);
	c = nj_cls(nj, id);
	c->dev = dev;
	dev->refs++;
	c->sig = sig;
	if (sig != 0)
		nj_sig(nj, sig)->refs++;
	c->refs = 1;
	itab_insert(&nj->clss, h, id);
	nj_bytes_add(nj, sizeof(*c) + NJ_SLOT_BYTES);
	return (id);
}

static void
nj_cls_put(struct netjoin *nj, uint32_t id)
{
	struct nj_cls	*c;

	if (id == 0 || --(c = nj_cls(nj, id))->refs > 0)
		return;
	itab_remove(&nj->clss, nj_cls_hash(nj, c->dev, c->sig), id);
	intern_put(nj->in, c->dev);
	nj_sig_put(nj, c->sig);
	pool_put(&nj->cpool, id);
	nj_bytes_sub(nj, sizeof(*c) + NJ_SLOT_BYTES);
}

/* --- keys ------------------------------------------------------------ */

static struct istr *
nj_key_path(const struct nj_key *k)
{
	struct istr	*p;

	if (!(k->cls & NJ_PATHKEY))
		return (NULL);
	memcpy(&p, k->id, sizeof(p));
	return (p);
}

static struct istr *
nj_key_device(const struct netjoin *nj, const struct nj_key *k)
{
	return (nj_cls(nj, k->cls & NJ_CLSID)->dev);
}

static uint32_t
nj_key_sig(const struct netjoin *nj, const struct nj_key *k)
{
	return (nj_cls(nj, k->cls & NJ_CLSID)->sig);
}

static int64_t
nj_key_good_last(const struct nj_key *k)
{
	return (k->good_s == 0 ? NJ_NONE : (int64_t)k->good_s * TSTAMP_SEC);
}

/* Seconds since 1970, rounded up, within [1, UINT32_MAX]. */
static void
nj_key_set_good(struct nj_key *k, int64_t t)
{
	int64_t	 s = t <= 0 ? 1 : t / TSTAMP_SEC + (t % TSTAMP_SEC != 0);

	k->good_s = (uint32_t)min64(max64(s, 1), UINT32_MAX);
}

/*
 * Hashes on the hot path take whole words: pieces of odd sizes would go
 * through SipHash's byte-at-a-time tail (4 % of a replay's instructions).
 */
static uint64_t
nj_key_hash(const struct netjoin *nj, const struct istr *dev,
    const uint8_t *sha1, const char *path, size_t pathlen)
{
	struct siphash	 s;
	uint8_t		 b[32];

	if (path == NULL) {
		memcpy(b, &dev->h, 8);
		memcpy(b + 8, sha1, 20);
		memcpy(b + 28, "sha1", 4);
		return (siphash(&nj->sk, b, sizeof(b)));
	}
	memcpy(b, &dev->h, 8);
	memcpy(b + 8, "path", 4);
	siphash_init(&s, &nj->sk);
	siphash_add(&s, b, 12);
	siphash_add_lower(&s, path, pathlen);
	return (siphash_end(&s));
}

static uint64_t
nj_key_hash_of(const struct netjoin *nj, const struct nj_key *k)
{
	struct istr	*p = nj_key_path(k);

	return (nj_key_hash(nj, nj_key_device(nj, k), k->id,
	    p != NULL ? p->s : NULL, p != NULL ? p->len : 0));
}

static uint64_t
nj_key_rehash(void *arg, uint32_t id)
{
	return (nj_key_hash_of(arg, nj_key(arg, id)));
}

/* The key for (dev, sha1) or (dev, path), path compared caseless; 0: none */
static uint32_t
nj_key_find(struct netjoin *nj, const struct istr *dev, const uint8_t *sha1,
    const char *path, size_t pathlen, uint64_t h)
{
	struct nj_key	*k;
	struct istr	*kp;
	uint32_t	 id;
	size_t		 it;

	for (id = itab_first(&nj->keys, h, &it); id != 0;
	    id = itab_next(&nj->keys, h, &it)) {
		k = nj_key(nj, id);
		if (nj_key_device(nj, k) != dev)
			continue;
		kp = nj_key_path(k);
		if (path == NULL && kp == NULL && memcmp(k->id, sha1, 20) == 0)
			return (id);
		if (path != NULL && kp != NULL && kp->len == pathlen &&
		    ascii_eq_ci(kp->s, path, pathlen))
			return (id);
	}
	return (0);
}

/* A new key: its class takes a reference to dev; path's it takes over. */
static uint32_t
nj_key_add(struct netjoin *nj, struct istr *dev, const uint8_t *sha1,
    struct istr *path, uint64_t h)
{
	struct nj_key	*k;
	uint32_t	 id;

	id = nj_pool_get(&nj->kpool);
	k = nj_key(nj, id);
	k->cls = nj_cls_get(nj, dev, 0);
	if (path != NULL) {
		memcpy(k->id, &path, sizeof(path));
		k->cls |= NJ_PATHKEY;
	} else
		memcpy(k->id, sha1, 20);
	k->bad_lo = k->bad_hi = NJ_NONE;
	itab_insert(&nj->keys, h, id);
	nj_key_lru_append(nj, id);
	nj->st.keys++;
	nj_bytes_add(nj, sizeof(*k) + NJ_SLOT_BYTES);
	return (id);
}

static uint32_t
nj_key_get(struct netjoin *nj, const struct slice *dev, const uint8_t *sha1,
    const struct slice *path)
{
	struct istr	*d, *held = NULL, *ps = NULL;
	uint64_t	 h;
	uint32_t	 id;
	const char	*pp = path != NULL ? path->p : NULL;
	size_t		 pl = path != NULL ? path->n : 0;

	if ((d = intern_lookup(nj->in, dev->p, dev->n)) != NULL) {
		h = nj_key_hash(nj, d, sha1, pp, pl);
		if ((id = nj_key_find(nj, d, sha1, pp, pl, h)) != 0)
			return (id);
	} else {
		/* A device met for the first time: held until its class is. */
		d = held = intern_get(nj->in, dev->p, dev->n);
		h = nj_key_hash(nj, d, sha1, pp, pl);
	}
	if (path != NULL)
		ps = intern_get_lower(nj->in, path->p, path->n);
	id = nj_key_add(nj, d, sha1, ps, h);
	intern_put(nj->in, held);
	return (id);
}

static void
nj_key_free(struct netjoin *nj, uint32_t id)
{
	struct nj_key	*k = nj_key(nj, id);

	itab_remove(&nj->keys, nj_key_hash_of(nj, k), id);
	nj_key_lru_remove(nj, id);
	intern_put(nj->in, nj_key_path(k));
	nj_cls_put(nj, k->cls & NJ_CLSID);
	pool_put(&nj->kpool, id);
	nj->st.keys--;
	nj_bytes_sub(nj, sizeof(*k) + NJ_SLOT_BYTES);
}

/* Forget facts older than the horizon. */
static void
nj_key_age(struct netjoin *nj, struct nj_key *k)
{
	int64_t	 hz = nj_horizon(nj);

	if (k->bad_hi != NJ_NONE && k->bad_hi < hz) {
		k->bad_lo = k->bad_hi;	/* the time of the details */
		k->bad_hi = NJ_NONE;
	}
	if (k->good_s != 0 && nj_key_good_last(k) < hz)
		k->good_s = 0;
}

static int
nj_key_unused(const struct nj_key *k)
{
	return (k->bad_hi == NJ_NONE && k->good_s == 0 &&
	    k->groups == 0);
}

static void
nj_key_maybe_free(struct netjoin *nj, uint32_t id)
{
	struct nj_key	*k = nj_key(nj, id);

	nj_key_age(nj, k);
	if (nj_key_unused(k))
		nj_key_free(nj, id);
}

static int
nj_key_good(const struct nj_key *k)
{
	return (k->good_s != 0 && k->bad_hi == NJ_NONE);
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
nj_group_hash(const struct netjoin *nj, uint32_t kid,
    const struct in6_addr *ip)
{
	uint8_t		 b[24];

	memset(b, 0, 8);
	memcpy(b, &kid, sizeof(kid));
	memcpy(b + 8, ip, sizeof(*ip));
	return (siphash(&nj->sk, b, sizeof(b)));
}

static uint64_t
nj_group_rehash(void *arg, uint32_t id)
{
	struct nj_group	*g = nj_group(arg, id);

	return (nj_group_hash(arg, g->key, &g->ip));
}

static int64_t *
nj_wt(struct nj_group *g)
{
	return (g->capwt <= 1 ? &g->wt.one : g->wt.many);
}

static size_t
nj_wt_bytes(const struct nj_group *g)
{
	return (g->capwt > 1 ? g->capwt * sizeof(int64_t) : 0);
}

static void
nj_group_place(struct netjoin *nj, uint32_t gid)
{
	struct nj_group	*g = nj_group(nj, gid);
	int		 good = nj_key_good(nj_key(nj, g->key));

	if (g->good == good)
		return;
	nj_group_lru_remove(nj, gid);
	g->good = (uint8_t)good;
	nj_group_lru_append(nj, gid);
}

static void
nj_group_touch(struct netjoin *nj, uint32_t gid)
{
	nj_group_lru_remove(nj, gid);
	nj_group_lru_append(nj, gid);
}

static void
nj_group_lapse(struct netjoin *nj, struct nj_group *g)
{
	const struct nj_gx	*x = nj_gx_peek(nj, g);
	size_t			 i;

	nj_wait_age(nj, g);
	if (!nj_group_idle(nj, g))
		return;
	for (i = 0; i < g->nurls; i++)
		intern_put(nj->in, x->urls[i]);
	nj_gx_drop(nj, g);
	g->nurls = 0;
	g->nports = 0;
	g->last_seen = NJ_NONE;
}

static uint32_t
nj_group_get(struct netjoin *nj, uint32_t kid, const struct in6_addr *ip)
{
	struct nj_group	*g;
	uint64_t	 h = nj_group_hash(nj, kid, ip);
	uint32_t	 id;
	size_t		 it;

	for (id = itab_first(&nj->groups, h, &it); id != 0;
	    id = itab_next(&nj->groups, h, &it)) {
		g = nj_group(nj, id);
		if (g->key == kid && memcmp(&g->ip, ip, sizeof(*ip)) == 0) {
			nj_group_lapse(nj, g);
			return (id);
		}
	}
	id = nj_pool_get(&nj->gpool);
	g = nj_group(nj, id);
	g->key = kid;
	g->ip = *ip;
	g->last_seen = NJ_NONE;
	g->good = (uint8_t)nj_key_good(nj_key(nj, kid));
	nj_kgroups_insert(nj, nj_key(nj, kid), 0, id);
	nj_group_lru_append(nj, id);
	itab_insert(&nj->groups, h, id);
	nj->st.groups++;
	nj_bytes_add(nj, sizeof(*g) + NJ_SLOT_BYTES);
	return (id);
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
	g->cmdlen = (uint32_t)c->n;
	nj_bytes_add(nj, g->cmdlen);
}

static void
nj_group_sample(struct netjoin *nj, struct nj_group *g, const struct rec *r)
{
	const struct nj_gx	*x = nj_gx_peek(nj, g);
	size_t			 i;

	if (r->has_port) {
		for (i = 0; i < g->nports && g->ports[i] != r->remote_port; i++)
			;
		if (i == g->nports && g->nports < ALERT_MAX_PORTS)
			g->ports[g->nports++] = r->remote_port;
	}
	if (r->remote_url.n > 0) {
		for (i = 0; i < g->nurls; i++)
			if (x->urls[i]->len == r->remote_url.n &&
			    memcmp(x->urls[i]->s, r->remote_url.p,
			    r->remote_url.n) == 0)
				break;
		if (i == g->nurls && g->nurls < ALERT_MAX_URLS)
			nj_gx(nj, g)->urls[g->nurls++] = intern_get(nj->in,
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
	g->has_pid = r->has_pid != 0;
	g->port = r->remote_port;
	g->has_port = r->has_port != 0;
}

static void
nj_group_release(struct netjoin *nj, struct nj_group *g)
{
	const struct nj_gx	*x = nj_gx_peek(nj, g);
	size_t			 i;

	intern_put(nj->in, g->device_name);
	intern_put(nj->in, g->image);
	intern_put(nj->in, g->guid);
	intern_put(nj->in, g->user);
	intern_put(nj->in, g->protocol);
	for (i = 0; i < g->nurls; i++)
		intern_put(nj->in, x->urls[i]);
	nj_gx_drop(nj, g);
	free(g->cmdline);
	if (g->capwt > 1)
		free(g->wt.many);
}

static void
nj_group_free(struct netjoin *nj, uint32_t gid)
{
	struct nj_group	*g = nj_group(nj, gid);
	uint32_t	 kid = g->key;

	nj_heap_remove(nj, gid);
	itab_remove(&nj->groups, nj_group_hash(nj, kid, &g->ip), gid);
	nj_kgroups_remove(nj, nj_key(nj, kid), gid);
	nj_group_lru_remove(nj, gid);
	nj_bytes_sub(nj, sizeof(*g) + NJ_SLOT_BYTES + g->cmdlen +
	    nj_wt_bytes(g));
	nj_group_release(nj, g);
	pool_put(&nj->gpool, gid);
	nj->st.groups--;
	nj_key_maybe_free(nj, kid);
}

/* --- suppression deadlines: a binary min-heap of groups --------------- */

static int64_t
nj_deadline(const struct netjoin *nj, const struct nj_group *g)
{
	return (nj_gx_peek(nj, g)->last_alert + nj->suppress);
}

static int64_t
nj_heap_deadline(const struct netjoin *nj, size_t i)
{
	return (nj_deadline(nj, nj_group(nj, nj->heap[i])));
}

static void
nj_heap_set(struct netjoin *nj, size_t i, uint32_t gid)
{
	nj->heap[i] = gid;
	nj_gx(nj, nj_group(nj, gid))->heapidx = (uint32_t)i;
}

static void
nj_heap_up(struct netjoin *nj, size_t i)
{
	uint32_t	 gid = nj->heap[i];
	int64_t		 d = nj_heap_deadline(nj, i);
	size_t		 p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (nj_heap_deadline(nj, p) <= d)
			break;
		nj_heap_set(nj, i, nj->heap[p]);
		i = p;
	}
	nj_heap_set(nj, i, gid);
}

static void
nj_heap_down(struct netjoin *nj, size_t i)
{
	uint32_t	 gid = nj->heap[i];
	int64_t		 d = nj_heap_deadline(nj, i);
	size_t		 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= nj->nheap)
			break;
		if (c + 1 < nj->nheap && nj_heap_deadline(nj, c + 1) <
		    nj_heap_deadline(nj, c))
			c++;
		if (d <= nj_heap_deadline(nj, c))
			break;
		nj_heap_set(nj, i, nj->heap[c]);
		i = c;
	}
	nj_heap_set(nj, i, gid);
}

static void
nj_heap_push(struct netjoin *nj, uint32_t gid)
{
	if (nj->nheap == nj->capheap) {
		nj_bytes_sub(nj, nj->capheap * sizeof(*nj->heap));
		nj->capheap = nj->capheap == 0 ? 64 : nj->capheap * 2;
		nj->heap = xreallocarray(nj->heap, nj->capheap,
		    sizeof(*nj->heap));
		nj_bytes_add(nj, nj->capheap * sizeof(*nj->heap));
	}
	nj->heap[nj->nheap] = gid;
	nj_heap_up(nj, nj->nheap++);
}

static void
nj_heap_remove(struct netjoin *nj, uint32_t gid)
{
	struct nj_group	*g = nj_group(nj, gid);
	struct nj_gx	*x;
	size_t		 i;

	if (g->gx == 0 || (x = nj_gx(nj, g))->heapidx == NJ_NOHEAP)
		return;
	i = x->heapidx;
	x->heapidx = NJ_NOHEAP;
	if (i == --nj->nheap)
		return;
	nj_heap_set(nj, i, nj->heap[nj->nheap]);
	nj_heap_up(nj, i);
	nj_heap_down(nj, nj_gx_peek(nj, nj_group(nj, nj->heap[i]))->heapidx);
}

/* --- alerts ---------------------------------------------------------- */

static struct slice
istr_slice(const struct istr *is)
{
	if (is == NULL)
		return (SLICE_EMPTY);
	return ((struct slice){ is->s, is->len });
}

/*
 * The details are those of the latest bad fact while one is held, else
 * of the latest good fact; so is the time.
 */
static void
nj_alert_signature(const struct netjoin *nj, const struct nj_key *k,
    struct alert *a)
{
	const struct nj_sig	*g;

	a->has_sig = 1;
	a->sig_signed = TRI_UNKNOWN;
	a->sig_trusted = TRI_UNKNOWN;
	a->sig_time = k->bad_hi != NJ_NONE ? k->bad_hi : k->bad_lo;
	if (nj_key_sig(nj, k) == 0)
		return;
	g = nj_sig(nj, nj_key_sig(nj, k));
	a->sig_signed = g->is_signed;
	a->sig_trusted = g->is_trusted;
	a->sig_status = istr_slice(g->status);
	a->sig_signer = istr_slice(g->signer);
	a->sig_issuer = istr_slice(g->issuer);
	a->sig_source = g->source;
}

static void
nj_alert_network(const struct netjoin *nj, const struct nj_group *g,
    struct alert *a)
{
	const struct nj_gx	*x = nj_gx_peek(nj, g);
	size_t			 i;

	a->has_net = 1;
	a->remote_ip = g->ip;
	a->has_port = g->has_port;
	a->remote_port = g->port;
	a->protocol = istr_slice(g->protocol);
	for (i = 0; i < g->nports; i++)
		a->ports[i] = g->ports[i];
	a->nports = g->nports;
	for (i = 0; i < g->nurls; i++)
		a->urls[i] = istr_slice(x->urls[i]);
	a->nurls = g->nurls;
	if (g->nurls > 0)
		a->remote_url = a->urls[g->nurls - 1];
}

/* Send what the group has counted, as one alert at event time t. */
static void
nj_emit(struct netjoin *nj, uint32_t gid, int64_t t)
{
	struct alert	 a;
	struct nj_group	*g = nj_group(nj, gid);
	struct nj_key	*k = nj_key(nj, g->key);
	struct istr	*kp = nj_key_path(k);
	struct nj_gx	*x;

	memset(&a, 0, sizeof(a));
	a.kind = ALERT_ALERT;
	a.rule = RULE_NETJOIN;
	a.severity = SEV_HIGH;
	a.time = t;
	a.detected_at = nj->now;
	a.device_id = istr_slice(nj_key_device(nj, k));
	a.device_name = istr_slice(g->device_name);
	a.has_pid = g->has_pid;
	a.pid = g->pid;
	a.image = istr_slice(g->image);
	a.guid = istr_slice(g->guid);
	a.user = istr_slice(g->user);
	a.cmdline = (struct slice){ g->cmdline, g->cmdlen };
	if (kp == NULL) {
		a.has_sha1 = a.has_file_sha1 = 1;
		memcpy(a.sha1, k->id, 20);
		memcpy(a.file_sha1, k->id, 20);
	} else {
		a.key_is_path = 1;
		a.key_path = istr_slice(kp);
	}
	nj_alert_signature(nj, k, &a);
	nj_alert_network(nj, g, &a);
	x = nj_gx(nj, g);
	a.count = x->pending;
	a.first_seen = x->pfirst;
	a.last_seen = x->plast;
	x->pending = 0;
	nj_heap_remove(nj, gid);
	x->pfirst = x->plast = NJ_NONE;
	nj->st.alerts++;
	nj->sink.emit(nj->sink.arg, &a);
}

static void
nj_matched(struct netjoin *nj, uint32_t gid, uint64_t n, int64_t first,
    int64_t last, int64_t t)
{
	struct nj_gx	*x = nj_gx(nj, nj_group(nj, gid));

	nj->st.matched += n;
	x->pending += n;
	x->pfirst = x->pfirst == NJ_NONE ? first : min64(x->pfirst, first);
	x->plast = x->plast == NJ_NONE ? last : max64(x->plast, last);
	if (nj->suppress == 0 || x->last_alert == NJ_NONE ||
	    t >= x->last_alert + nj->suppress) {
		nj_emit(nj, gid, t);
		x->last_alert = t;
	} else {
		nj->st.suppressed += n;
		if (x->heapidx == NJ_NOHEAP)
			nj_heap_push(nj, gid);
	}
}

static void
nj_group_settle(struct netjoin *nj, uint32_t gid)
{
	const struct nj_gx	*x = nj_gx_peek(nj, nj_group(nj, gid));

	if (x->pending > 0)
		nj_emit(nj, gid, x->plast);
}

/* --- waiting connections ---------------------------------------------- */

static void
nj_wait_grow(struct netjoin *nj, struct nj_group *g)
{
	int64_t	*many;
	uint8_t	 ncap = g->capwt == 0 ? 1 : (uint8_t)(g->capwt * 2);

	nj_bytes_sub(nj, nj_wt_bytes(g));
	if (ncap > 1) {
		many = xreallocarray(g->capwt > 1 ? g->wt.many : NULL, ncap,
		    sizeof(*many));
		if (g->capwt == 1)
			many[0] = g->wt.one;
		g->wt.many = many;
	}
	g->capwt = ncap;
	nj_bytes_add(nj, nj_wt_bytes(g));
}

static void
nj_wait_add(struct netjoin *nj, struct nj_group *g, int64_t t)
{
	struct nj_gx	*x;

	if (g->nwt == g->capwt && g->capwt < NJ_WAIT_EXACT)
		nj_wait_grow(nj, g);
	if (g->nwt < g->capwt) {
		nj_wt(g)[g->nwt++] = t;
		return;
	}
	nj->st.approx++;
	x = nj_gx(nj, g);
	if (x->wover == 0)
		x->wover_lo = x->wover_hi = t;
	x->wover++;
	x->wover_lo = min64(x->wover_lo, t);
	x->wover_hi = max64(x->wover_hi, t);
}

static void
nj_wait_age(struct netjoin *nj, struct nj_group *g)
{
	int64_t		 hz = nj_horizon(nj), *wt = nj_wt(g);
	struct nj_gx	*x;
	uint32_t	 i, j;

	for (i = j = 0; i < g->nwt; i++) {
		if (wt[i] < hz)
			nj->st.waited_out++;
		else
			wt[j++] = wt[i];
	}
	g->nwt = (uint8_t)j;
	if (g->gx == 0)
		return;
	x = nj_gx(nj, g);
	if (x->wover > 0 && x->wover_hi < hz) {
		nj->st.waited_out += x->wover;
		x->wover = 0;
		nj_gx_tidy(nj, g);
	}
}

/* A bad fact at time tc arrived: take the waiting connections it covers. */
static void
nj_wait_match(struct netjoin *nj, uint32_t gid, int64_t tc)
{
	struct nj_group	*g = nj_group(nj, gid);
	struct nj_gx	*x;
	int64_t		 first = NJ_NONE, last = NJ_NONE, t, *wt;
	uint64_t	 n = 0;
	uint32_t	 i, j;

	nj_wait_age(nj, g);
	wt = nj_wt(g);
	for (i = j = 0; i < g->nwt; i++) {
		t = wt[i];
		if (t >= tc - nj->window && t <= tc + nj->window) {
			first = n == 0 ? t : min64(first, t);
			last = n == 0 ? t : max64(last, t);
			n++;
		} else
			wt[j++] = t;
	}
	g->nwt = (uint8_t)j;
	x = g->gx != 0 ? nj_gx(nj, g) : NULL;
	if (x != NULL && x->wover > 0 && tc >= x->wover_lo - nj->window &&
	    tc <= x->wover_hi + nj->window) {
		first = n == 0 ? x->wover_lo : min64(first, x->wover_lo);
		last = n == 0 ? x->wover_hi : max64(last, x->wover_hi);
		n += x->wover;
		x->wover = 0;
	}
	if (n > 0)
		nj_matched(nj, gid, n, first, last, tc);
}

/* --- facts ------------------------------------------------------------ */

static int
nj_istr_is(const struct istr *is, const struct slice *s)
{
	if (is == NULL)
		return (s->n == 0);
	return (is->len == s->n && memcmp(is->s, s->p, s->n) == 0);
}

/* Are the details of sig id those of record r? */
static int
nj_sig_is(const struct netjoin *nj, uint32_t id, const struct rec *r,
    const struct slice *status)
{
	const struct nj_sig	*g;

	if (id == 0)
		return (0);
	g = nj_sig(nj, id);
	return (g->is_signed == (int8_t)r->is_signed &&
	    g->is_trusted == (int8_t)r->is_trusted &&
	    g->source == (uint8_t)r->source &&
	    nj_istr_is(g->status, status) && nj_istr_is(g->signer, &r->signer) &&
	    nj_istr_is(g->issuer, &r->issuer));
}

/*
 * The key takes the details of fact r. Most facts repeat what the key
 * or the previous fact had: those are compared, not hashed and looked up.
 */
static void
nj_key_details(struct netjoin *nj, struct nj_key *k, const struct rec *r,
    const struct slice *status)
{
	struct nj_sig	 want;
	uint32_t	 old = k->cls & NJ_CLSID, sig;

	if (nj_sig_is(nj, nj_key_sig(nj, k), r, status))
		return;
	if (nj_sig_is(nj, nj->lastsig, r, status)) {
		sig = nj->lastsig;
		nj_sig(nj, sig)->refs++;
		goto found;
	}
	memset(&want, 0, sizeof(want));
	want.status = status->n > 0 ?
	    intern_get(nj->in, status->p, status->n) : NULL;
	want.signer = r->signer.n > 0 ?
	    intern_get(nj->in, r->signer.p, r->signer.n) : NULL;
	want.issuer = r->issuer.n > 0 ?
	    intern_get(nj->in, r->issuer.p, r->issuer.n) : NULL;
	want.is_signed = (int8_t)r->is_signed;
	want.is_trusted = (int8_t)r->is_trusted;
	want.source = (uint8_t)r->source;
	sig = nj_sig_get(nj, &want);
	nj->lastsig = sig;
found:
	k->cls = (k->cls & NJ_PATHKEY) |
	    nj_cls_get(nj, nj_cls(nj, old)->dev, sig);
	nj_sig_put(nj, sig);
	nj_cls_put(nj, old);
}

static void
nj_key_bad(struct netjoin *nj, uint32_t kid, const struct rec *r,
    const struct slice *status)
{
	struct nj_key	*k = nj_key(nj, kid);
	uint32_t	 gid, next;
	int64_t		 t = r->time;

	nj_key_age(nj, k);
	if (k->bad_hi == NJ_NONE || t > k->bad_hi + 2 * nj->window) {
		k->bad_lo = k->bad_hi = t;
		nj_key_details(nj, k, r, status);
	} else {
		k->bad_lo = min64(k->bad_lo, t);
		if (t >= k->bad_hi) {
			k->bad_hi = t;
			nj_key_details(nj, k, r, status);
		}
	}
	for (gid = k->groups; gid != 0; gid = next) {
		next = nj_group(nj, gid)->kl.next;
		nj_group_place(nj, gid);
		nj_wait_match(nj, gid, t);
	}
}

static void
nj_key_fact(struct netjoin *nj, uint32_t kid, const struct rec *r,
    int bad, const struct slice *status)
{
	struct nj_key	*k = nj_key(nj, kid);
	uint32_t	 gid;

	nj_key_lru_remove(nj, kid);
	nj_key_lru_append(nj, kid);
	if (bad) {
		nj_key_bad(nj, kid, r, status);
		return;
	}
	if (k->bad_hi == NJ_NONE && (k->bad_lo == NJ_NONE ||
	    r->time >= k->bad_lo)) {
		nj_key_details(nj, k, r, status);
		k->bad_lo = r->time;
	}
	if (r->time > nj_key_good_last(k))
		nj_key_set_good(k, r->time);
	for (gid = k->groups; gid != 0; gid = nj_group(nj, gid)->kl.next)
		nj_group_place(nj, gid);
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
	uint32_t	 kid;
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
	nj_make_room(nj);
	kid = nj_key_get(nj, &r->device, r->sha1, NULL);
	nj_key_fact(nj, kid, r, bad, &status);
	if (r->source == SRC_SYSMON && r->path.n > 0) {
		kid = nj_key_get(nj, &r->device, NULL, &r->path);
		nj_key_fact(nj, kid, r, bad, &status);
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
 * still held), else the image path. 0: none.
 */
static uint32_t
nj_net_key(struct netjoin *nj, const struct rec *r)
{
	struct nj_proc	*p;

	if (r->has_sha1)
		return (nj_key_get(nj, &r->device, r->sha1, NULL));
	if (r->source != SRC_SYSMON)
		return (0);
	p = nj_proc_find(nj, &r->device, &r->guid);
	if (p != NULL && p->time >= nj_horizon(nj)) {
		nj->st.by_proc++;
		return (nj_key_get(nj, &r->device, p->sha1, NULL));
	}
	if (r->image.n == 0)
		return (0);
	nj->st.by_path++;
	return (nj_key_get(nj, &r->device, NULL, &r->image));
}

void
netjoin_net(struct netjoin *nj, const struct rec *r)
{
	uint32_t	 kid, gid;
	struct nj_group	*g;

	nj->st.net++;
	if (!nj_qualifies(nj, r))
		return;
	nj_make_room(nj);
	if ((kid = nj_net_key(nj, r)) == 0) {
		nj->st.no_key++;
		return;
	}
	gid = nj_group_get(nj, kid, &r->remote_ip);
	g = nj_group(nj, gid);
	nj_group_context(nj, g, r);
	nj_group_touch(nj, gid);
	if (nj_key_covers(nj, nj_key(nj, kid), r->time))
		nj_matched(nj, gid, 1, r->time, r->time, r->time);
	else
		nj_wait_add(nj, g, r->time);
}

struct netjoin *
netjoin_new(const struct conf *cf, struct intern *in, const struct sipkey *sk,
    const struct alert_sink *sink)
{
	struct netjoin	*nj;

	nj = xcalloc(1, sizeof(*nj));
	nj->window = cf->window;
	nj->suppress = cf->suppress;
	nj->budget = cf->state_memory;
	cidr_list_init(&nj->internal);
	cidr_list_copy(&nj->internal, &cf->internal);
	nj->in = in;
	nj->sk = *sk;
	nj->sink = *sink;
	nj->wm = NJ_NONE;
	pool_init(&nj->kpool, sizeof(struct nj_key));
	pool_init(&nj->gpool, sizeof(struct nj_group));
	pool_init(&nj->cpool, sizeof(struct nj_cls));
	pool_init(&nj->spool, sizeof(struct nj_sig));
	pool_init(&nj->xpool, sizeof(struct nj_gx));
	itab_init(&nj->keys, 1024, nj_key_rehash, nj);
	itab_init(&nj->groups, 1024, nj_group_rehash, nj);
	itab_init(&nj->clss, 64, nj_cls_rehash, nj);
	itab_init(&nj->sigs, 64, nj_sig_rehash, nj);
	htab_init(&nj->procs, 1024);
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
	nj->wm = wm;
	nj->now = now;
	while (nj->nheap > 0 && nj_heap_deadline(nj, 0) <= wm)
		nj_emit(nj, nj->heap[0],
		    nj_gx_peek(nj, nj_group(nj, nj->heap[0]))->plast);
}

/* --- expiry, eviction, flush ------------------------------------------ */

static int
nj_group_idle(const struct netjoin *nj, const struct nj_group *g)
{
	const struct nj_gx	*x = nj_gx_peek(nj, g);

	return (g->nwt == 0 && x->wover == 0 && x->pending == 0 &&
	    (x->last_alert == NJ_NONE ||
	    x->last_alert + nj->suppress <= nj->wm));
}

static void
nj_expire_group(struct netjoin *nj, uint32_t gid)
{
	struct nj_group	*g = nj_group(nj, gid);

	nj_wait_age(nj, g);
	if (nj_group_idle(nj, g))
		nj_group_free(nj, gid);
}

/*
 * Examine up to `budget' entries of one table from where the sweep last
 * stopped. Keys and groups are walked in pool order, which is memory
 * order: the sweep reads the pools from end to end instead of taking a
 * cache miss per entry, as walking the index would. The process table is
 * walked by slot; a removal there shifts a later entry back into the
 * freed slot, which is then looked at again.
 */
static size_t
nj_sweep(struct netjoin *nj, unsigned which, size_t budget)
{
	size_t		 done = 0, *cur = &nj->cursor[which], end;
	struct nj_proc	*p;
	uint32_t	 id;

	end = which == 0 ? nj->gpool.fresh : which == 1 ?
	    nj->kpool.fresh : htab_capacity(&nj->procs);
	while (done < budget) {
		if (*cur >= end) {
			*cur = 0;
			break;
		}
		done++;
		if (which == 2) {
			if ((p = htab_at(&nj->procs, *cur)) == NULL ||
			    p->time >= nj_horizon(nj))
				(*cur)++;
			else
				nj_proc_free(nj, p);
			continue;
		}
		/* a free item is zeroed: no key, no class */
		if ((id = (uint32_t)(*cur)++) == 0)
			continue;
		if (which == 0 && nj_group(nj, id)->key != 0)
			nj_expire_group(nj, id);
		else if (which == 1 && nj_key(nj, id)->cls != 0)
			nj_key_maybe_free(nj, id);
	}
	return (done);
}

/* Bounded expiry work; returns the number of entries examined. */
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
	uint32_t	 id;

	if ((id = nj->goodlru.head) != 0 || (id = nj->otherlru.head) != 0) {
		nj_group_settle(nj, id);
		g = nj_group(nj, id);
		nj->st.evicted_groups++;
		nj->st.evicted_events += g->nwt + nj_gx_peek(nj, g)->wover;
		nj_group_free(nj, id);
		return (1);
	}
	if ((p = TAILQ_FIRST(&nj->proclru)) != NULL) {
		nj->st.evicted_procs++;
		nj_proc_free(nj, p);
		return (1);
	}
	if ((id = nj->keylru.head) != 0) {
		nj->st.evicted_keys++;
		nj_key_free(nj, id);
		return (1);
	}
	return (0);
}

/* At the end of a replay or at stop: send every count still held. */
void
netjoin_flush(struct netjoin *nj)
{
	size_t		 i;
	uint32_t	 id;

	for (i = 0; i < itab_capacity(&nj->groups); i++)
		if ((id = itab_at(&nj->groups, i)) != 0)
			nj_group_settle(nj, id);
}

const struct netjoin_stats *
netjoin_stats(const struct netjoin *nj)
{
	return (&nj->st);
}

void
netjoin_free(struct netjoin *nj)
{
	struct nj_proc	*p;
	uint32_t	 id;

	if (nj == NULL)
		return;
	while ((id = nj->goodlru.head) != 0 || (id = nj->otherlru.head) != 0)
		nj_group_free(nj, id);
	while ((p = TAILQ_FIRST(&nj->proclru)) != NULL)
		nj_proc_free(nj, p);
	while ((id = nj->keylru.head) != 0)
		nj_key_free(nj, id);
	itab_clear(&nj->keys);
	itab_clear(&nj->groups);
	itab_clear(&nj->clss);
	itab_clear(&nj->sigs);
	htab_clear(&nj->procs);
	pool_clear(&nj->kpool);
	pool_clear(&nj->gpool);
	pool_clear(&nj->cpool);
	pool_clear(&nj->spool);
	pool_clear(&nj->xpool);
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
	nj->budget = cf->state_memory;
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

/* What a save needs besides the tables: each group's eviction rank. */
struct nj_saving {
	struct netjoin	*nj;
	uint32_t	*rank;		/* by group id */
};

static void
nj_save_group(struct snapshot_w *w, const struct nj_saving *sv, uint32_t gid)
{
	struct nj_group		*g = nj_group(sv->nj, gid);
	const struct nj_gx	*x = nj_gx_peek(sv->nj, g);
	const int64_t		*wt = nj_wt(g);
	uint32_t		 i;

	snapshot_put_u64(w, sv->rank[gid]);
	snapshot_put_u8(w, g->good);
	snapshot_put(w, &g->ip, sizeof(g->ip));
	snapshot_put_u32(w, g->capwt);
	snapshot_put_u32(w, g->nwt);
	for (i = 0; i < g->nwt; i++)
		snapshot_put_i64(w, wt[i]);
	snapshot_put_u64(w, x->wover);
	snapshot_put_i64(w, x->wover > 0 ? x->wover_lo : NJ_NONE);
	snapshot_put_i64(w, x->wover > 0 ? x->wover_hi : NJ_NONE);
	snapshot_put_i64(w, x->last_alert);
	snapshot_put_u64(w, x->heapidx == NJ_NOHEAP ? UINT64_MAX : x->heapidx);
	snapshot_put_u64(w, x->pending);
	snapshot_put_i64(w, x->pfirst);
	snapshot_put_i64(w, x->plast);
	snapshot_put_i64(w, g->last_seen);
	snapshot_put_str(w, g->device_name);
	snapshot_put_str(w, g->image);
	snapshot_put_str(w, g->guid);
	snapshot_put_str(w, g->user);
	snapshot_put_str(w, g->protocol);
	snapshot_put_u32(w, g->cmdlen);
	snapshot_put(w, g->cmdline, g->cmdlen);
	snapshot_put_i64(w, g->pid);
	snapshot_put_u8(w, g->has_pid);
	snapshot_put_u8(w, g->has_port);
	snapshot_put_u16(w, g->port);
	snapshot_put_u8(w, g->nports);
	for (i = 0; i < g->nports; i++)
		snapshot_put_u16(w, g->ports[i]);
	snapshot_put_u8(w, g->nurls);
	for (i = 0; i < g->nurls; i++)
		snapshot_put_str(w, x->urls[i]);
}

static void
nj_save_key(struct snapshot_w *w, const struct nj_saving *sv, uint32_t kid)
{
	struct netjoin		*nj = sv->nj;
	const struct nj_key	*k = nj_key(nj, kid);
	const struct nj_sig	*g = NULL;
	struct istr		*kp = nj_key_path(k);
	uint64_t		 n = 0;
	uint32_t		 gid;

	if (nj_key_sig(nj, k) != 0)
		g = nj_sig(nj, nj_key_sig(nj, k));
	snapshot_put_u8(w, kp != NULL);
	snapshot_put_str(w, nj_key_device(nj, k));
	if (kp != NULL)
		snapshot_put_str(w, kp);
	else
		snapshot_put(w, k->id, 20);
	snapshot_put_u8(w, (uint8_t)(g != NULL ? g->is_signed : TRI_UNKNOWN));
	snapshot_put_u8(w, (uint8_t)(g != NULL ? g->is_trusted : TRI_UNKNOWN));
	snapshot_put_u8(w, g != NULL ? g->source : 0);
	snapshot_put_i64(w, k->bad_hi != NJ_NONE ? k->bad_lo : NJ_NONE);
	snapshot_put_i64(w, k->bad_hi);
	snapshot_put_i64(w, nj_key_good_last(k));
	/* the time of the details */
	snapshot_put_i64(w, k->bad_hi != NJ_NONE ? k->bad_hi : k->bad_lo);
	snapshot_put_str(w, g != NULL ? g->status : NULL);
	snapshot_put_str(w, g != NULL ? g->signer : NULL);
	snapshot_put_str(w, g != NULL ? g->issuer : NULL);
	for (gid = k->groups; gid != 0; gid = nj_group(nj, gid)->kl.next)
		n++;
	snapshot_put_u64(w, n);
	for (gid = k->groups; gid != 0; gid = nj_group(nj, gid)->kl.next)
		nj_save_group(w, sv, gid);
}

static void
nj_save_keys_cb(struct snapshot_w *w, void *arg)
{
	struct nj_saving	*sv = arg;
	struct netjoin		*nj = sv->nj;
	uint32_t		 kid;

	snapshot_put_u64(w, nj->st.keys);
	snapshot_put_u64(w, nj->st.groups);
	snapshot_put_u64(w, nj->nheap);
	snapshot_put_u64(w, nj->capheap);
	for (kid = nj->keylru.head; kid != 0; kid = nj_key(nj, kid)->lru.next)
		nj_save_key(w, sv, kid);
}

static void
nj_save_procs_cb(struct snapshot_w *w, void *arg)
{
	struct nj_saving	*sv = arg;
	struct nj_proc		*p;

	snapshot_put_u64(w, sv->nj->st.procs);
	TAILQ_FOREACH(p, &sv->nj->proclru, lru) {
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
	struct nj_saving	 sv;
	uint32_t		 gid, rank = 0;
	int			 rv = 0;

	sv.nj = nj;
	sv.rank = xcalloc(nj->gpool.fresh, sizeof(*sv.rank));
	for (gid = nj->goodlru.head; gid != 0;
	    gid = nj_group(nj, gid)->lru.next)
		sv.rank[gid] = rank++;
	for (gid = nj->otherlru.head; gid != 0;
	    gid = nj_group(nj, gid)->lru.next)
		sv.rank[gid] = rank++;
	if (snapshot_section(w, SNAPSHOT_NJKY, nj_save_keys_cb, &sv) == -1 ||
	    snapshot_section(w, SNAPSHOT_NJPR, nj_save_procs_cb, &sv) == -1)
		rv = -1;
	free(sv.rank);
	return (rv);
}

/* What a load is rebuilding, besides the tables themselves. */
struct nj_loading {
	uint32_t	*byrank;	/* group ids */
	uint32_t	*heap;
	uint64_t	 ngroups;
	uint64_t	 nheap;
	uint64_t	 seen;		/* groups read so far */
};

/* A group read but not linked anywhere: give back what it holds. */
static void
nj_group_discard(struct netjoin *nj, uint32_t gid)
{
	nj_group_release(nj, nj_group(nj, gid));
	pool_put(&nj->gpool, gid);
}

static int
nj_load_waiting(struct snapshot_r *r, struct nj_group *g, struct nj_gx *x)
{
	uint32_t	 i, cap, n;
	int64_t		*wt;

	if (snapshot_get_u32(r, &cap) == -1 || snapshot_get_u32(r, &n) == -1)
		return (-1);
	if (cap > NJ_WAIT_EXACT || n > cap)
		return (snapshot_fail(r, "bad count of waiting connections"));
	g->capwt = (uint8_t)cap;
	if (cap > 1)
		g->wt.many = xcalloc(cap, sizeof(*g->wt.many));
	wt = nj_wt(g);
	for (i = 0; i < n; i++) {
		if (snapshot_get_time(r, &wt[i]) == -1)
			return (-1);
		g->nwt++;
	}
	if (snapshot_get_u64(r, &x->wover) == -1 ||
	    snapshot_get_time(r, &x->wover_lo) == -1 ||
	    snapshot_get_time(r, &x->wover_hi) == -1)
		return (-1);
	if (x->wover > 0 && (x->wover_lo == NJ_NONE || x->wover_hi == NJ_NONE))
		return (snapshot_fail(r, "waiting aggregate without times"));
	return (0);
}

static int
nj_load_context(struct snapshot_r *r, struct nj_group *g, struct nj_gx *x)
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
		if (snapshot_get_str(r, &x->urls[g->nurls]) == -1)
			return (-1);
		if (x->urls[g->nurls++] == NULL)
			return (snapshot_fail(r, "empty URL in a group"));
	}
	return (0);
}

static int
nj_load_group_read(struct snapshot_r *r, struct nj_group *g, struct nj_gx *x,
    uint64_t *rank, uint64_t *hi)
{
	uint8_t		 good;

	if (snapshot_get_u64(r, rank) == -1 ||
	    snapshot_get_u8(r, &good) == -1 ||
	    snapshot_get(r, &g->ip, sizeof(g->ip)) == -1 ||
	    nj_load_waiting(r, g, x) == -1 ||
	    snapshot_get_time(r, &x->last_alert) == -1 ||
	    snapshot_get_u64(r, hi) == -1 ||
	    snapshot_get_u64(r, &x->pending) == -1 ||
	    snapshot_get_time(r, &x->pfirst) == -1 ||
	    snapshot_get_time(r, &x->plast) == -1 ||
	    snapshot_get_time(r, &g->last_seen) == -1 ||
	    nj_load_context(r, g, x) == -1)
		return (-1);
	g->good = good != 0;
	return (0);
}

/* One group record into pool entry gid, not yet linked. */
static void
nj_load_group_fields(struct netjoin *nj, struct snapshot_r *r,
    struct nj_loading *ld, uint32_t gid)
{
	struct nj_group	*g = nj_group(nj, gid);
	struct nj_gx	 x = nj_gx_none;
	uint64_t	 hi = UINT64_MAX, rank = 0;
	int		 rv;

	rv = nj_load_group_read(r, g, &x, &rank, &hi);
	/* Even half read, it holds references: the group takes them. */
	x.heapidx = NJ_NOHEAP;
	if (x.wover != 0 || x.last_alert != NJ_NONE || x.pending != 0 ||
	    x.pfirst != NJ_NONE || x.plast != NJ_NONE || g->nurls > 0)
		*nj_gx(nj, g) = x;
	if (rv == -1)
		return;
	if (rank >= ld->ngroups || ld->byrank[rank] != 0)
		snapshot_fail(r, "bad or repeated group rank");
	else if (hi != UINT64_MAX && (hi >= ld->nheap || ld->heap[hi] != 0))
		snapshot_fail(r, "bad or repeated heap index");
	else {
		ld->byrank[rank] = gid;
		if (hi != UINT64_MAX)
			ld->heap[hi] = gid;
	}
}

/* Is (kid, ip) a group already? */
static int
nj_group_exists(struct netjoin *nj, uint32_t kid, const struct in6_addr *ip,
    uint64_t h)
{
	struct nj_group	*o;
	uint32_t	 id;
	size_t		 it;

	for (id = itab_first(&nj->groups, h, &it); id != 0;
	    id = itab_next(&nj->groups, h, &it)) {
		o = nj_group(nj, id);
		if (o->key == kid && memcmp(&o->ip, ip, sizeof(*ip)) == 0)
			return (1);
	}
	return (0);
}

/* The groups of key kid, appended to its list in the order read. */
static int
nj_load_groups(struct netjoin *nj, struct snapshot_r *r, uint32_t kid,
    struct nj_loading *ld)
{
	struct nj_group	*g;
	uint64_t	 n, i, h;
	uint32_t	 gid, last = 0;

	if (snapshot_get_count(r, NJ_GROUP_MIN, &n) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		gid = nj_pool_get(&nj->gpool);
		nj_load_group_fields(nj, r, ld, gid);
		if (++ld->seen > ld->ngroups)
			snapshot_fail(r, "more groups than counted");
		g = nj_group(nj, gid);
		g->key = kid;
		h = nj_group_hash(nj, kid, &g->ip);
		if (!r->err && nj_group_exists(nj, kid, &g->ip, h))
			snapshot_fail(r, "repeated group");
		if (r->err) {
			/* not reachable from the rank or heap tables */
			for (h = 0; h < ld->ngroups; h++)
				if (ld->byrank[h] == gid)
					ld->byrank[h] = 0;
			for (h = 0; h < ld->nheap; h++)
				if (ld->heap[h] == gid)
					ld->heap[h] = 0;
			nj_group_discard(nj, gid);
			return (-1);
		}
		nj_kgroups_insert(nj, nj_key(nj, kid), last, gid);
		last = gid;
		nj_group_lru_append(nj, gid);
		itab_insert(&nj->groups, h, gid);
		nj->st.groups++;
		nj_bytes_add(nj, sizeof(*g) + NJ_SLOT_BYTES + g->cmdlen +
		    nj_wt_bytes(g));
	}
	return (0);
}

/* A key record as read, before it becomes an entry. */
struct nj_keyrec {
	struct istr	*device;
	struct istr	*path;
	uint8_t		 sha1[20];
	struct nj_sig	 sig;
	int64_t		 bad_lo;
	int64_t		 bad_hi;
	int64_t		 good_last;
	int64_t		 fact_time;
};

static void
nj_keyrec_release(struct netjoin *nj, struct nj_keyrec *kr)
{
	intern_put(nj->in, kr->device);
	intern_put(nj->in, kr->path);
	intern_put(nj->in, kr->sig.status);
	intern_put(nj->in, kr->sig.signer);
	intern_put(nj->in, kr->sig.issuer);
}

static int
nj_load_key_fields(struct snapshot_r *r, struct nj_keyrec *kr)
{
	uint8_t	 ispath, sg, tr;

	if (snapshot_get_u8(r, &ispath) == -1 ||
	    snapshot_get_str(r, &kr->device) == -1)
		return (-1);
	if (ispath ? snapshot_get_str(r, &kr->path) == -1 :
	    snapshot_get(r, kr->sha1, sizeof(kr->sha1)) == -1)
		return (-1);
	if (snapshot_get_u8(r, &sg) == -1 || snapshot_get_u8(r, &tr) == -1 ||
	    snapshot_get_u8(r, &kr->sig.source) == -1 ||
	    snapshot_get_time(r, &kr->bad_lo) == -1 ||
	    snapshot_get_time(r, &kr->bad_hi) == -1 ||
	    snapshot_get_time(r, &kr->good_last) == -1 ||
	    snapshot_get_time(r, &kr->fact_time) == -1 ||
	    snapshot_get_str(r, &kr->sig.status) == -1 ||
	    snapshot_get_str(r, &kr->sig.signer) == -1 ||
	    snapshot_get_str(r, &kr->sig.issuer) == -1)
		return (-1);
	kr->sig.is_signed = (int8_t)sg;
	kr->sig.is_trusted = (int8_t)tr;
	if (kr->device == NULL || (ispath && kr->path == NULL))
		return (snapshot_fail(r, "key without device or path"));
	if (kr->sig.source >= SRC_NSOURCES || kr->sig.is_signed < TRI_UNKNOWN ||
	    kr->sig.is_signed > TRI_TRUE || kr->sig.is_trusted < TRI_UNKNOWN ||
	    kr->sig.is_trusted > TRI_TRUE)
		return (snapshot_fail(r, "bad signature fields"));
	if ((kr->bad_lo == NJ_NONE) != (kr->bad_hi == NJ_NONE) ||
	    kr->bad_lo > kr->bad_hi)
		return (snapshot_fail(r, "bad span of bad facts"));
	return (0);
}

/* Details no fact has set yet are no details. */
static int
nj_sig_unset(const struct nj_sig *g)
{
	return (g->status == NULL && g->signer == NULL && g->issuer == NULL &&
	    g->is_signed == TRI_UNKNOWN && g->is_trusted == TRI_UNKNOWN &&
	    g->source == 0);
}

static int
nj_load_key(struct netjoin *nj, struct snapshot_r *r, struct nj_loading *ld)
{
	struct nj_keyrec	 kr;
	struct nj_key		*k;
	const char		*p;
	size_t			 pl;
	uint64_t		 h;
	uint32_t		 kid, sig, cls;

	memset(&kr, 0, sizeof(kr));
	if (nj_load_key_fields(r, &kr) == -1) {
		nj_keyrec_release(nj, &kr);
		return (-1);
	}
	p = kr.path != NULL ? kr.path->s : NULL;
	pl = kr.path != NULL ? kr.path->len : 0;
	h = nj_key_hash(nj, kr.device, kr.sha1, p, pl);
	if (nj_key_find(nj, kr.device, kr.sha1, p, pl, h) != 0) {
		nj_keyrec_release(nj, &kr);
		return (snapshot_fail(r, "repeated key"));
	}
	kid = nj_key_add(nj, kr.device, kr.sha1, kr.path, h);
	k = nj_key(nj, kid);
	k->bad_lo = kr.bad_hi != NJ_NONE ? kr.bad_lo : kr.fact_time;
	k->bad_hi = kr.bad_hi;
	if (kr.good_last != NJ_NONE)
		nj_key_set_good(k, kr.good_last);
	if (!nj_sig_unset(&kr.sig)) {
		sig = nj_sig_get(nj, &kr.sig);
		cls = nj_cls_get(nj, kr.device, sig);
		nj_sig_put(nj, sig);
		nj_cls_put(nj, k->cls & NJ_CLSID);
		k->cls = (k->cls & NJ_PATHKEY) | cls;
	}
	intern_put(nj->in, kr.device);	/* its classes hold their own */
	return (nj_load_groups(nj, r, kid, ld));
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
	uint64_t	 i;

	if (ld->seen != ld->ngroups)
		return (snapshot_fail(r, "fewer groups than counted"));
	for (i = 0; i < ld->ngroups; i++) {
		nj_group_lru_remove(nj, ld->byrank[i]);
		nj_group_lru_append(nj, ld->byrank[i]);
	}
	for (i = 0; i < ld->nheap; i++)
		if (ld->heap[i] == 0 ||
		    nj_gx_peek(nj, nj_group(nj, ld->heap[i]))->pending == 0)
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
	if (n + nj->kpool.n > POOL_MAXID - NJ_ROOM ||
	    ld.ngroups + nj->gpool.n > POOL_MAXID - NJ_ROOM)
		return (snapshot_fail(r, "more entries than ids"));
	/*
	 * The heap's capacity is counted in the state's bytes: restored as
	 * it was, so that the memory budget bites where it would have. The
	 * array never shrinks, so it may be far larger than the groups now
	 * held: any size it grows to (64 doubled) is taken, up to what the
	 * budget allows, which it never outgrows (a group in the heap costs
	 * some 250 bytes, its slot 8 at most), and to twice the groups
	 * there can be.
	 */
	if (cap >= ld.nheap && cap > 0 && (cap <= 2 * ld.ngroups + 64 ||
	    (cap % 64 == 0 && (cap & (cap - 1)) == 0 &&
	    cap <= nj->budget / sizeof(*nj->heap) &&
	    cap <= 2 * ((uint64_t)POOL_MAXID + 1)))) {
		nj->heap = xreallocarray(NULL, cap, sizeof(*nj->heap));
		nj->capheap = cap;
		nj_bytes_add(nj, cap * sizeof(*nj->heap));
	}
	/* Sized once for what comes, rather than grown step by step. */
	if (nj->keys.n == 0 && nj->groups.n == 0) {
		itab_clear(&nj->keys);
		itab_init(&nj->keys, n, nj_key_rehash, nj);
		itab_clear(&nj->groups);
		itab_init(&nj->groups, ld.ngroups, nj_group_rehash, nj);
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
