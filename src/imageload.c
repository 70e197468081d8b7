/*
 * signetd: rule imageload.
 *
 * Group key: (ImageLoaded, Signature, Signed), as the Sumo query's
 * `stats ... by' but on the loaded file, whose signature it is. Windows are
 * tumbling, R long, aligned to the epoch, in event time. A window closes
 * when the watermark reaches its end: its groups with fewer than T
 * executions are reported, most executions first, and the window is
 * freed. A load for a window already closed is late: counted, not
 * reported again. Only a handful of windows are ever open (W + L over R),
 * so they sit on a sorted list; groups live in one hash table.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "htab.h"
#include "imageload.h"
#include "siphash.h"
#include "snapshot.h"
#include "xmalloc.h"

#define IL_NONE		INT64_MIN
/*
 * The rule may hold at most this fraction of state_memory, so a flood of
 * distinct image loads cannot push netjoin's facts out of the budget.
 */
#define IL_BUDGET_SHARE	4
#define IL_HOSTS_LINEAR	8

struct il_window;

struct il_group {
	uint64_t		 h;
	struct il_window	*win;
	struct istr		*loaded;
	struct istr		*signer;
	int			 is_signed;
	uint64_t		 executions;
	uint32_t		 statuses;	/* bit per configured status */
	struct istr		**hosts;	/* linear set, then hostset */
	size_t			 nhosts;
	size_t			 caphosts;
	struct htab		 hostset;
	LIST_ENTRY(il_group)	 wentry;
};

struct il_window {
	int64_t			 start;
	size_t			 ngroups;
	LIST_HEAD(, il_group)	 groups;
	TAILQ_ENTRY(il_window)	 entry;
};

struct imageload {
	int64_t			 period;
	uint64_t		 budget;	/* bytes: its share of state */
	uint64_t		 threshold;
	char			*statuses[CONF_MAX_STATUSES];
	size_t			 nstatuses;
	struct intern		*in;		/* borrowed */
	struct sipkey		 sk;
	struct alert_sink	 sink;
	int64_t			 wm;
	int64_t			 now;
	struct htab		 groups;
	TAILQ_HEAD(il_windows, il_window) windows;	/* by start */
	struct imageload_stats	 st;
};

static void	il_window_close(struct imageload *, struct il_window *);

struct imageload *
imageload_new(const struct conf *cf, struct intern *in,
    const struct sipkey *sk, const struct alert_sink *sink)
{
	struct imageload	*il;
	size_t			 i;

	il = xcalloc(1, sizeof(*il));
	il->period = cf->period;
	il->budget = cf->state_memory / IL_BUDGET_SHARE;
	il->threshold = cf->threshold;
	for (i = 0; i < cf->nstatuses; i++)
		il->statuses[i] = xstrdup(cf->statuses[i]);
	il->nstatuses = cf->nstatuses;
	il->in = in;
	il->sk = *sk;
	il->sink = *sink;
	il->wm = IL_NONE;
	htab_init(&il->groups, 64);
	TAILQ_INIT(&il->windows);
	return (il);
}

/* Close, in order, every window whose end the watermark has reached. */
void
imageload_clock(struct imageload *il, int64_t wm, int64_t now)
{
	struct il_window	*w;

	il->wm = wm;
	il->now = now;
	while ((w = TAILQ_FIRST(&il->windows)) != NULL &&
	    w->start + il->period <= wm)
		il_window_close(il, w);
}

static int64_t
il_window_start(const struct imageload *il, int64_t t)
{
	int64_t	 q = t / il->period;

	if (t % il->period != 0 && t < 0)
		q--;
	return (q * il->period);
}

static struct il_window *
il_window_get(struct imageload *il, int64_t start)
{
	struct il_window	*w, *after = NULL;

	TAILQ_FOREACH_REVERSE(w, &il->windows, il_windows, entry) {
		if (w->start == start)
			return (w);
		if (w->start < start) {
			after = w;
			break;
		}
	}
	w = xcalloc(1, sizeof(*w));
	w->start = start;
	LIST_INIT(&w->groups);
	if (after != NULL)
		TAILQ_INSERT_AFTER(&il->windows, after, w, entry);
	else
		TAILQ_INSERT_HEAD(&il->windows, w, entry);
	il->st.windows++;
	il->st.bytes += sizeof(*w);
	return (w);
}

static int
il_status_index(const struct imageload *il, const struct slice *s)
{
	size_t	 i;

	for (i = 0; i < il->nstatuses; i++)
		if (strlen(il->statuses[i]) == s->n &&
		    memcmp(il->statuses[i], s->p, s->n) == 0)
			return ((int)i);
	return (-1);
}

static uint64_t
il_group_hash(const struct imageload *il, int64_t start,
    const struct rec *r)
{
	struct siphash	 s;
	uint8_t		 sg = r->is_signed == TRI_TRUE;

	siphash_init(&s, &il->sk);
	siphash_add(&s, &start, sizeof(start));
	siphash_add(&s, &sg, 1);
	siphash_add(&s, &r->path.n, sizeof(r->path.n));
	siphash_add(&s, r->path.p, r->path.n);
	siphash_add(&s, r->signer.p, r->signer.n);
	return (siphash_end(&s));
}

static int
istr_eq(const struct istr *is, const struct slice *s)
{
	return (is->len == s->n && memcmp(is->s, s->p, s->n) == 0);
}

static struct il_group *
il_group_find(struct imageload *il, struct il_window *w, uint64_t h,
    const struct rec *r)
{
	struct il_group	*g;
	size_t		 it;

	for (g = htab_first(&il->groups, h, &it); g != NULL;
	    g = htab_next(&il->groups, h, &it))
		if (g->win == w && g->is_signed == (r->is_signed == TRI_TRUE) &&
		    istr_eq(g->loaded, &r->path) && istr_eq(g->signer, &r->signer))
			return (g);
	return (NULL);
}

static struct il_group *
il_group_new(struct imageload *il, struct il_window *w, uint64_t h,
    const struct rec *r)
{
	struct il_group	*g;

	g = xcalloc(1, sizeof(*g));
	g->h = h;
	g->win = w;
	g->loaded = intern_get(il->in, r->path.p, r->path.n);
	g->signer = intern_get(il->in, r->signer.p, r->signer.n);
	g->is_signed = r->is_signed == TRI_TRUE;
	LIST_INSERT_HEAD(&w->groups, g, wentry);
	w->ngroups++;
	htab_insert(&il->groups, h, g);
	il->st.groups++;
	il->st.bytes += sizeof(*g) + sizeof(struct htab_slot) +
	    g->loaded->len + g->signer->len;
	return (g);
}

static void
il_group_free(struct imageload *il, struct il_group *g)
{
	size_t	 i;

	htab_remove(&il->groups, g->h, g);
	LIST_REMOVE(g, wentry);
	g->win->ngroups--;
	il->st.bytes -= sizeof(*g) + sizeof(struct htab_slot) +
	    g->loaded->len + g->signer->len + g->caphosts * sizeof(*g->hosts);
	intern_put(il->in, g->loaded);
	intern_put(il->in, g->signer);
	for (i = 0; i < g->nhosts; i++)
		intern_put(il->in, g->hosts[i]);
	free(g->hosts);
	if (g->hostset.s != NULL) {
		il->st.bytes -= htab_bytes(&g->hostset);
		htab_clear(&g->hostset);
	}
	free(g);
	il->st.groups--;
}

/*
 * Count a device once per group: a linear scan while the set is small,
 * a hash set of the interned pointers beyond that.
 */
static void
il_group_host(struct imageload *il, struct il_group *g, const struct slice *dev)
{
	struct istr	*d = intern_lookup(il->in, dev->p, dev->n), *e;
	uint64_t	 h;
	size_t		 i, it;

	if (d != NULL && g->nhosts <= IL_HOSTS_LINEAR) {
		for (i = 0; i < g->nhosts; i++)
			if (g->hosts[i] == d)
				return;
	} else if (d != NULL) {
		h = siphash(&il->sk, &d, sizeof(d));
		for (e = htab_first(&g->hostset, h, &it); e != NULL;
		    e = htab_next(&g->hostset, h, &it))
			if (e == d)
				return;
	}
	d = intern_get(il->in, dev->p, dev->n);
	if (g->nhosts == g->caphosts) {
		il->st.bytes -= g->caphosts * sizeof(*g->hosts);
		g->caphosts = g->caphosts == 0 ? 2 : g->caphosts * 2;
		g->hosts = xreallocarray(g->hosts, g->caphosts,
		    sizeof(*g->hosts));
		il->st.bytes += g->caphosts * sizeof(*g->hosts);
	}
	g->hosts[g->nhosts++] = d;
	if (g->nhosts == IL_HOSTS_LINEAR + 1) {
		htab_init(&g->hostset, 2 * IL_HOSTS_LINEAR);
		for (i = 0; i < g->nhosts; i++)
			htab_insert(&g->hostset, siphash(&il->sk,
			    &g->hosts[i], sizeof(g->hosts[i])), g->hosts[i]);
		il->st.bytes += htab_bytes(&g->hostset);
	} else if (g->nhosts > IL_HOSTS_LINEAR + 1) {
		il->st.bytes -= htab_bytes(&g->hostset);
		htab_insert(&g->hostset, siphash(&il->sk, &d, sizeof(d)), d);
		il->st.bytes += htab_bytes(&g->hostset);
	}
}

static void
il_alert_first(struct imageload *il, const struct il_window *w,
    const struct rec *r)
{
	struct alert	 a;

	memset(&a, 0, sizeof(a));
	a.kind = ALERT_ALERT;
	a.rule = RULE_IMAGELOAD;
	a.severity = SEV_HIGH;
	a.time = r->time;
	a.detected_at = il->now;
	a.device_id = r->device;
	a.device_name = r->device_name;
	a.has_pid = r->has_pid;
	a.pid = r->pid;
	a.image = r->image;
	a.guid = r->guid;
	a.user = r->user;
	a.has_sig = 1;
	a.sig_signed = r->is_signed;
	a.sig_trusted = r->is_trusted;
	a.sig_status = r->status;
	a.sig_signer = r->signer;
	a.sig_source = r->source;
	a.sig_time = r->time;
	a.has_file_sha1 = r->has_sha1;
	memcpy(a.file_sha1, r->sha1, sizeof(a.file_sha1));
	a.window_start = w->start;
	a.image_loaded = r->path;
	a.signature = r->signer;
	a.is_signed = r->is_signed == TRI_TRUE;
	a.count = 1;
	a.first_seen = a.last_seen = r->time;
	il->st.alerts++;
	il->sink.emit(il->sink.arg, &a);
}

/*
 * A Sysmon image load qualifies when its Signature is neither empty nor
 * "?" and its SignatureStatus is on the configured list.
 */
void
imageload_load(struct imageload *il, const struct rec *r)
{
	struct il_window	*w;
	struct il_group		*g;
	int64_t			 start;
	uint64_t		 h;
	int			 si;

	il->st.loads++;
	if (r->signer.n == 0 || (r->signer.n == 1 && r->signer.p[0] == '?'))
		return;
	if ((si = il_status_index(il, &r->status)) < 0)
		return;
	il->st.qualifying++;
	start = il_window_start(il, r->time);
	if (il->wm != IL_NONE && start + il->period <= il->wm) {
		il->st.late++;
		return;
	}
	w = il_window_get(il, start);
	h = il_group_hash(il, start, r);
	if ((g = il_group_find(il, w, h, r)) == NULL) {
		/*
		 * Over its share of memory a new group is not kept: its
		 * first-seen alert still goes out (so a later load of it
		 * alerts again: noisy, never silent), but it cannot be in
		 * the window's report. Counted.
		 */
		il_alert_first(il, w, r);
		if (il->st.bytes >= il->budget) {
			il->st.untracked++;
			return;
		}
		g = il_group_new(il, w, h, r);
	}
	g->executions++;
	g->statuses |= 1u << si;
	il_group_host(il, g, &r->device);
}

static int
il_group_cmp(const void *a, const void *b)
{
	const struct il_group	*x = *(struct il_group *const *)a;
	const struct il_group	*y = *(struct il_group *const *)b;
	int			 c;

	if (x->executions != y->executions)
		return (x->executions > y->executions ? -1 : 1);
	if ((c = strcmp(x->loaded->s, y->loaded->s)) != 0)
		return (c);
	if ((c = strcmp(x->signer->s, y->signer->s)) != 0)
		return (c);
	return (x->is_signed - y->is_signed);
}

static void
il_report(struct imageload *il, const struct il_window *w,
    const struct il_group *g)
{
	struct alert	 a;
	size_t		 i;

	memset(&a, 0, sizeof(a));
	a.kind = ALERT_REPORT;
	a.rule = RULE_IMAGELOAD;
	a.severity = SEV_HIGH;
	a.time = w->start + il->period;
	a.detected_at = il->now;
	a.window_start = w->start;
	a.image_loaded = (struct slice){ g->loaded->s, g->loaded->len };
	a.signature = (struct slice){ g->signer->s, g->signer->len };
	a.is_signed = g->is_signed;
	a.executions = g->executions;
	a.hosts = g->nhosts;
	for (i = 0; i < il->nstatuses && a.nstatuses < ALERT_MAX_STATUSES; i++)
		if (g->statuses & (1u << i))
			a.statuses[a.nstatuses++] = (struct slice){
			    il->statuses[i], strlen(il->statuses[i]) };
	il->st.reports++;
	il->sink.emit(il->sink.arg, &a);
}

static void
il_window_close(struct imageload *il, struct il_window *w)
{
	struct il_group	**v, *g;
	size_t		 n = 0, i;

	v = xreallocarray(NULL, w->ngroups + 1, sizeof(*v));
	LIST_FOREACH(g, &w->groups, wentry)
		v[n++] = g;
	qsort(v, n, sizeof(*v), il_group_cmp);
	for (i = 0; i < n; i++) {
		if (v[i]->executions < il->threshold)
			il_report(il, w, v[i]);
		il_group_free(il, v[i]);
	}
	free(v);
	TAILQ_REMOVE(&il->windows, w, entry);
	il->st.windows--;
	il->st.bytes -= sizeof(*w);
	free(w);
}

/* At the end of a replay or at stop: close every open window. */
void
imageload_flush(struct imageload *il)
{
	struct il_window	*w;

	while ((w = TAILQ_FIRST(&il->windows)) != NULL)
		il_window_close(il, w);
}

const struct imageload_stats *
imageload_stats(const struct imageload *il)
{
	return (&il->st);
}

void
imageload_free(struct imageload *il)
{
	struct il_window	*w;
	struct il_group		*g;
	size_t			 i;

	if (il == NULL)
		return;
	while ((w = TAILQ_FIRST(&il->windows)) != NULL) {
		while ((g = LIST_FIRST(&w->groups)) != NULL)
			il_group_free(il, g);
		TAILQ_REMOVE(&il->windows, w, entry);
		free(w);
	}
	htab_clear(&il->groups);
	for (i = 0; i < il->nstatuses; i++)
		free(il->statuses[i]);
	free(il);
}

/*
 * Reload: T is read when a window closes, so a new one applies to the
 * windows that close from now on. The statuses cannot change here: the
 * groups hold them as bits by their place in the list.
 */
void
imageload_reconf(struct imageload *il, const struct conf *cf)
{
	il->threshold = cf->threshold;
}

/* --- the state file ----------------------------------------------------
 *
 * ILWN: the open windows by start, each with its groups: image, signer,
 * signed, executions, the statuses seen (by name through PARM, so a
 * changed status list maps them) and the devices counted.
 */

#define IL_WINDOW_MIN	16	/* bytes of the smallest window record */
#define IL_GROUP_MIN	29

static void
il_save_cb(struct snapshot_w *w, void *arg)
{
	const struct imageload	*il = arg;
	const struct il_window	*win;
	const struct il_group	*g;
	size_t			 i;

	snapshot_put_u64(w, il->st.windows);
	TAILQ_FOREACH(win, &il->windows, entry) {
		snapshot_put_i64(w, win->start);
		snapshot_put_u64(w, win->ngroups);
		LIST_FOREACH(g, &win->groups, wentry) {
			snapshot_put_str(w, g->loaded);
			snapshot_put_str(w, g->signer);
			snapshot_put_u8(w, (uint8_t)g->is_signed);
			snapshot_put_u64(w, g->executions);
			snapshot_put_u32(w, g->statuses);
			snapshot_put_u64(w, g->nhosts);
			for (i = 0; i < g->nhosts; i++)
				snapshot_put_str(w, g->hosts[i]);
		}
	}
}

int
imageload_save(const struct imageload *il, struct snapshot_w *w)
{
	return (snapshot_section(w, SNAPSHOT_ILWN, il_save_cb, (void *)il));
}

/* What a restore needs to know about the file's parameters. */
struct il_restoring {
	int		 admitted;	/* saved under our budget */
	int		 map[CONF_MAX_STATUSES];	/* saved bit -> ours */
};

static uint32_t
il_map_statuses(const struct il_restoring *rs, uint32_t saved)
{
	uint32_t	 bits = 0;
	int		 i;

	for (i = 0; i < CONF_MAX_STATUSES; i++)
		if ((saved & (1u << i)) && rs->map[i] >= 0)
			bits |= 1u << rs->map[i];
	return (bits);
}

/* The devices of a group; those of a group not kept are only skipped. */
static int
il_restore_hosts(struct imageload *il, struct snapshot_r *r, struct il_group *g)
{
	struct istr	*d;
	struct slice	 s;
	uint64_t	 n, i;

	if (snapshot_get_count(r, 4, &n) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (snapshot_get_str(r, &d) == -1)
			return (-1);
		if (d == NULL)
			return (snapshot_fail(r, "empty device in a group"));
		if (g != NULL) {
			s = (struct slice){ d->s, d->len };
			il_group_host(il, g, &s);
		}
		intern_put(il->in, d);
	}
	return (0);
}

static int
il_restore_group(struct imageload *il, struct snapshot_r *r,
    struct il_window *w, const struct il_restoring *rs)
{
	struct istr	*loaded = NULL, *signer = NULL;
	struct il_group	*g = NULL;
	struct rec	 rec;
	uint64_t	 execs;
	uint32_t	 st;
	uint8_t		 sg;
	uint64_t	 h;
	int		 rv = -1;

	if (snapshot_get_str(r, &loaded) == -1 ||
	    snapshot_get_str(r, &signer) == -1 ||
	    snapshot_get_u8(r, &sg) == -1 ||
	    snapshot_get_u64(r, &execs) == -1 ||
	    snapshot_get_u32(r, &st) == -1)
		goto done;
	if (loaded == NULL || signer == NULL) {
		snapshot_fail(r, "imageload group without image or signer");
		goto done;
	}
	memset(&rec, 0, sizeof(rec));
	rec.path = (struct slice){ loaded->s, loaded->len };
	rec.signer = (struct slice){ signer->s, signer->len };
	rec.is_signed = sg ? TRI_TRUE : TRI_FALSE;
	h = il_group_hash(il, w->start, &rec);
	if (il_group_find(il, w, h, &rec) != NULL) {
		snapshot_fail(r, "repeated imageload group");
		goto done;
	}
	/*
	 * The groups of a file saved under this state_memory were all
	 * admitted once: taken as they are. Under another, the share
	 * applies as to new groups.
	 */
	if (!rs->admitted && il->st.bytes >= il->budget)
		il->st.untracked++;
	else {
		g = il_group_new(il, w, h, &rec);
		g->executions = execs;
		g->statuses = il_map_statuses(rs, st);
	}
	rv = il_restore_hosts(il, r, g);
done:
	intern_put(il->in, loaded);
	intern_put(il->in, signer);
	return (rv);
}

static int
il_restore_window(struct imageload *il, struct snapshot_r *r, int64_t *prev,
    const struct il_restoring *rs)
{
	struct il_window	*w;
	int64_t			 start;
	uint64_t		 n, i;

	if (snapshot_get_time(r, &start) == -1 ||
	    snapshot_get_count(r, IL_GROUP_MIN, &n) == -1)
		return (-1);
	if (start == IL_NONE || (*prev != IL_NONE && start <= *prev) ||
	    il_window_start(il, start) != start)
		return (snapshot_fail(r, "imageload window out of order or "
		    "misaligned"));
	*prev = start;
	w = il_window_get(il, start);
	for (i = 0; i < n; i++)
		if (il_restore_group(il, r, w, rs) == -1)
			return (-1);
	return (0);
}

/*
 * Read ILWN into an empty imageload. The file's period and status names
 * and budget come from its PARM section: windows of another period do
 * not line up with ours and are dropped whole (the caller says so);
 * statuses are matched by name.
 */
int
imageload_restore(struct imageload *il, struct snapshot_r *r, int64_t period,
    uint64_t budget, const char *const *statuses, size_t nstatuses)
{
	struct il_restoring	 rs;
	int64_t			 prev = IL_NONE;
	uint64_t		 n, i;
	size_t			 j, k;

	if (period != il->period)
		return (0);
	rs.admitted = budget / IL_BUDGET_SHARE == il->budget;
	for (j = 0; j < CONF_MAX_STATUSES; j++) {
		rs.map[j] = -1;
		for (k = 0; j < nstatuses && k < il->nstatuses; k++)
			if (strcmp(statuses[j], il->statuses[k]) == 0)
				rs.map[j] = (int)k;
	}
	if (snapshot_get_count(r, IL_WINDOW_MIN, &n) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (il_restore_window(il, r, &prev, &rs) == -1)
			return (-1);
	if (r->n != 0)
		return (snapshot_fail(r, "bytes after the imageload windows"));
	return (0);
}
