/*
 * signetd tests: the state file. Format round trips, refusal of corrupt,
 * truncated, foreign, other-version and hostile files, the atomic save
 * and the moving aside of a bad file, and the point of it all: records A,
 * a save, a load into a fresh engine, records B give exactly the alerts
 * that A then B give to one engine.
 */
#include <sys/stat.h>

#include <unistd.h>

#include "testutil.h"

#include "buf.h"
#include "conf.h"
#include "engine.h"
#include "pipeline.h"
#include "snapshot.h"

#define NOW(i)	(INT64_C(1800000000) * T_SEC + (int64_t)(i))

/* Every alert as its JSON line, in the order sent. */
struct alog {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

static void
alog_emit(void *arg, const struct alert *a)
{
	struct alog	*l = arg;
	struct buf	 b;

	buf_init(&b);
	alert_json(a, &b);
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : 2 * l->cap;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		ck_assert_ptr_nonnull(l->v);
	}
	l->v[l->n++] = strndup(b.p, b.len);
	buf_clear(&b);
}

static void
alog_clear(struct alog *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
alog_same(const struct alog *a, const struct alog *b, size_t split)
{
	size_t	 i;

	for (i = 0; i < a->n && i < b->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			ck_abort_msg("split %zu: alert %zu differs:\n  one "
			    "engine: %s\n  restored: %s", split, i, a->v[i],
			    b->v[i]);
	ck_assert_msg(a->n == b->n, "split %zu: %zu alerts, restored %zu",
	    split, a->n, b->n);
}

static struct engine *
mk_engine(const struct conf *cf, struct alog *l, uint64_t seed)
{
	struct alert_sink	 sink = { alog_emit, l };
	struct sipkey		 sk = { seed, seed * 7 + 1 };

	return (engine_new(cf, &sink, &sk));
}

/* The state of e as a file in memory. */
static uint8_t *
snapshot_of(struct engine *e, size_t *len)
{
	char	*p = NULL;
	FILE	*fp;

	fp = open_memstream(&p, len);
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(engine_snapshot_write(e, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
	return ((uint8_t *)p);
}

/* e's state, saved and loaded into a new engine with another hash key. */
static struct engine *
restart(struct engine *e, const struct conf *cf, struct alog *l,
    int64_t now)
{
	struct engine	*n;
	const char	*why = NULL;
	uint8_t		*p;
	size_t		 len;

	p = snapshot_of(e, &len);
	engine_free(e);
	n = mk_engine(cf, l, 99);
	ck_assert_msg(engine_snapshot_read(n, p, len, now, &why) == 0,
	    "restore refused: %s", why);
	free(p);
	return (n);
}

/* --- hand-written records -------------------------------------------- */

static struct rec
mk_sysmon(enum rec_kind kind, const char *dev, int64_t t, const char *guid)
{
	struct rec	 r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.source = SRC_SYSMON;
	r.time = t;
	r.device = S(dev);
	r.device_name = S(dev);
	r.guid = S(guid);
	r.has_pid = 1;
	r.pid = 4242;
	r.image = S("C:\\X\\Y.exe");
	r.is_signed = r.is_trusted = TRI_UNKNOWN;
	r.outbound = TRI_UNKNOWN;
	return (r);
}

static struct rec
mk_load(const char *dev, int64_t t, const char *path, const char *signer,
    const char *status, uint8_t sha1)
{
	struct rec	 r = mk_sysmon(REC_LOAD, dev, t, "{bbbb}");

	r.path = S(path);
	r.signer = S(signer);
	r.status = S(status);
	r.is_signed = TRI_TRUE;
	r.is_trusted = TRI_FALSE;
	set_sha1(&r, sha1);
	return (r);
}

static struct rec
mk_snet(const char *dev, int64_t t, const char *guid, const char *ip)
{
	struct rec	 r = mk_sysmon(REC_NET, dev, t, guid);

	r.outbound = TRI_TRUE;
	r.remote_ip_text = S(ip);
	r.ip_state = addr_parse(ip, strlen(ip), &r.remote_ip) == 0 ?
	    IP_OK : IP_BAD;
	r.has_port = 1;
	r.remote_port = 8443;
	r.protocol = S("tcp");
	return (r);
}

/* Loads of one imageload group, on n devices, at t, t+1s, ... */
static size_t
add_loads(struct rec *v, size_t k, int64_t t, const char *path, int n)
{
	static const char *devs[] = { "h1", "h2", "h3", "h4", "h5", "h6",
	    "h7", "h8", "h9", "h10", "h11", "h12" };
	int	 i;

	for (i = 0; i < n; i++)
		v[k++] = mk_load(devs[i % 12], t + i * T_SEC, path, "Bad Corp",
		    i % 2 ? "Expired" : "Revoked", 0x70);
	return (k);
}

/*
 * Facts before and after connections, a group waiting with more
 * connections than are kept exactly, the Sysmon process table, keys by
 * path, a known-good key, suppression spanning hours, imageload windows
 * over several periods with groups under and over the threshold.
 */
static size_t
hand_stream(struct rec *v)
{
	size_t	 k = 0;
	int	 i;

	v[k++] = mk_cert("d1", T0, 0x44, TRI_TRUE, TRI_TRUE);
	v[k++] = mk_net("d1", T0 + T_SEC, 0x44, "8.8.8.8");
	for (i = 0; i < 40; i++)
		v[k++] = mk_net("d1", T0 + (2 + i) * T_SEC, 0x22, "1.1.1.1");
	v[k] = mk_sysmon(REC_PROC, "d2", T0 + 50 * T_SEC, "{AAAA}");
	set_sha1(&v[k++], 0x33);
	v[k++] = mk_snet("d2", T0 + 60 * T_SEC, "{aaaa}", "9.9.9.9");
	v[k++] = mk_snet("d2", T0 + 61 * T_SEC, "{cccc}", "9.9.9.9");
	k = add_loads(v, k, T0 + 100 * T_SEC, "c:\\lib\\a.dll", 5);
	k = add_loads(v, k, T0 + 110 * T_SEC, "c:\\lib\\b.dll", 12);
	v[k++] = mk_cert("d1", T0 + 120 * T_SEC, 0x11, TRI_FALSE, TRI_UNKNOWN);
	for (i = 0; i < 36; i++)
		v[k++] = mk_net("d1", T0 + 130 * T_SEC + i * 300 * T_SEC,
		    0x11, i % 3 ? "2.2.2.2" : "2.2.2.3");
	k = add_loads(v, k, T0 + 1 * T_HOUR + 5 * T_SEC, "c:\\lib\\a.dll", 3);
	v[k++] = mk_cert("d1", T0 + 2 * T_HOUR, 0x22, TRI_TRUE, TRI_FALSE);
	v[k] = mk_load("d2", T0 + 2 * T_HOUR + 10 * T_SEC, "C:\\X\\Y.exe",
	    "", "Unsigned", 0x33);
	v[k++].is_signed = TRI_FALSE;
	v[k++] = mk_cert("d1", T0 + 2 * T_HOUR + 20 * T_SEC, 0x44, TRI_TRUE,
	    TRI_TRUE);
	k = add_loads(v, k, T0 + 2 * T_HOUR + 30 * T_SEC, "c:\\lib\\c.dll", 2);
	for (i = 0; i < 5; i++)
		v[k++] = mk_snet("d2", T0 + 2 * T_HOUR + (40 + i) * T_SEC,
		    "{aaaa}", "9.9.9.9");
	/* Groups touched again: the eviction order is not the keys'. */
	v[k++] = mk_net("d1", T0 + 3 * T_HOUR - 2 * T_SEC, 0x22, "1.1.1.1");
	v[k++] = mk_net("d1", T0 + 3 * T_HOUR - T_SEC, 0x44, "8.8.8.8");
	/* One late fact releases three groups, in the key's list order. */
	for (i = 0; i < 3; i++)
		v[k++] = mk_net("d3", T0 + 3 * T_HOUR + i * T_SEC, 0x55,
		    i == 0 ? "3.3.3.3" : i == 1 ? "3.3.3.4" : "3.3.3.5");
	v[k++] = mk_cert("d3", T0 + 3 * T_HOUR + 3 * T_SEC, 0x55, TRI_FALSE,
	    TRI_FALSE);
	v[k++] = mk_net("d1", T0 + 4 * T_HOUR, 0x11, "2.2.2.2");
	k = add_loads(v, k, T0 + 5 * T_HOUR, "c:\\lib\\d.dll", 1);
	return (k);
}

static void
run_recs(struct engine *e, const struct rec *v, size_t from, size_t to)
{
	struct rec	 r;
	size_t		 i;

	for (i = from; i < to; i++) {
		r = v[i];
		engine_push(e, &r, NOW(i), 0);
	}
}

/*
 * A then B against A, restart, B, at every split of the hand-written
 * stream. With `budget' the state memory is small enough that entries
 * are evicted (and their counts sent) all along: then the eviction
 * order and the byte count must be restored exactly too.
 */
static void
continuity_records(uint64_t budget)
{
	struct rec	 v[256];
	struct alog	 ref, got;
	struct conf	*cf = conf_new();
	struct engine	*e;
	size_t		 n = hand_stream(v), k;

	if (budget > 0)
		cf->state_memory = budget;
	memset(&ref, 0, sizeof(ref));
	memset(&got, 0, sizeof(got));
	e = mk_engine(cf, &ref, 1);
	run_recs(e, v, 0, n);
	engine_flush(e, NOW(n));
	/* The stream exercises what it is meant to. */
	if (budget > 0)
		ck_assert_uint_gt(engine_stats(e)->over_budget, 10);
	else {
		ck_assert_uint_gt(engine_netjoin_stats(e)->approx, 0);
		ck_assert_uint_gt(engine_netjoin_stats(e)->suppressed, 0);
		ck_assert_uint_gt(engine_netjoin_stats(e)->by_proc, 0);
		ck_assert_uint_gt(engine_netjoin_stats(e)->by_path, 0);
		ck_assert_uint_gt(engine_imageload_stats(e)->reports, 2);
		ck_assert_uint_eq(engine_stats(e)->over_budget, 0);
	}
	engine_free(e);
	for (k = 0; k <= n; k++) {
		e = mk_engine(cf, &got, 1);
		run_recs(e, v, 0, k);
		e = restart(e, cf, &got, NOW(k));
		run_recs(e, v, k, n);
		engine_flush(e, NOW(n));
		engine_free(e);
		alog_same(&ref, &got, k);
		alog_clear(&got);
	}
	alog_clear(&ref);
	conf_free(cf);
}

START_TEST(test_snapshot_continuity_records)
{
	continuity_records(0);
}
END_TEST

START_TEST(test_snapshot_continuity_budget)
{
	/* Two budgets: each bites on different entries. */
	continuity_records(1500);
	continuity_records(3000);
}
END_TEST

/*
 * The state's byte count drives the memory budget: a restored engine
 * counts what the one that saved did, at every split of the stream.
 */
START_TEST(test_snapshot_bytes_restored)
{
	struct rec	 v[256];
	struct alog	 l;
	struct conf	*c = conf_new();
	struct engine	*e;
	uint64_t	 nb, eb, keys, groups;
	size_t		 n = hand_stream(v), k;

	memset(&l, 0, sizeof(l));
	for (k = 0; k <= n; k++) {
		e = mk_engine(c, &l, 1);
		run_recs(e, v, 0, k);
		nb = engine_netjoin_stats(e)->bytes;
		keys = engine_netjoin_stats(e)->keys;
		groups = engine_netjoin_stats(e)->groups;
		eb = engine_stats(e)->bytes;
		e = restart(e, c, &l, NOW(k));
		ck_assert_msg(engine_netjoin_stats(e)->bytes == nb,
		    "split %zu: netjoin bytes %llu, restored %llu", k,
		    (unsigned long long)nb,
		    (unsigned long long)engine_netjoin_stats(e)->bytes);
		ck_assert_uint_eq(engine_netjoin_stats(e)->keys, keys);
		ck_assert_uint_eq(engine_netjoin_stats(e)->groups, groups);
		ck_assert_msg(engine_stats(e)->bytes == eb,
		    "split %zu: bytes %llu, restored %llu", k,
		    (unsigned long long)eb,
		    (unsigned long long)engine_stats(e)->bytes);
		engine_free(e);
	}
	alog_clear(&l);
	conf_free(c);
}
END_TEST

/*
 * The suppression heap's array never shrinks and its capacity is
 * counted in st.bytes: a load takes the saved capacity even when it is
 * more than twice the groups plus 64. 65 groups suppressed at once
 * grow it to 128 entries; once they have lapsed and gone, a restart
 * must still count those 512 bytes.
 */
START_TEST(test_snapshot_heap_capacity_restored)
{
	struct alog	 l;
	struct conf	*c = conf_new();
	struct engine	*e;
	struct rec	 r;
	char		 ip[32];
	uint64_t	 eb;
	int		 i, j;

	memset(&l, 0, sizeof(l));
	e = mk_engine(c, &l, 1);
	r = mk_cert("d1", T0, 0xaa, TRI_FALSE, TRI_FALSE);
	engine_push(e, &r, NOW(0), 0);
	for (j = 0; j < 2; j++)
		for (i = 0; i < 65; i++) {
			snprintf(ip, sizeof(ip), "81.2.%d.%d", i / 200, 1 + i % 200);
			r = mk_net("d1", T0 + j * T_SEC, 0xaa, ip);
			engine_push(e, &r, NOW(0), 0);
		}
	ck_assert_uint_eq(l.n, 65);
	r = mk_cert("d2", T0 + 2 * T_HOUR, 0xbb, TRI_TRUE, TRI_TRUE);
	engine_push(e, &r, NOW(0), 0);
	ck_assert_uint_eq(l.n, 130);
	r = mk_cert("d2", T0 + 30 * T_HOUR, 0xbb, TRI_TRUE, TRI_TRUE);
	engine_push(e, &r, NOW(0), 0);
	for (i = 0; i < 10; i++)
		engine_tick(e, NOW(0), 1000000);
	ck_assert_uint_eq(engine_netjoin_stats(e)->groups, 0);
	eb = engine_stats(e)->bytes;
	e = restart(e, c, &l, NOW(0));
	ck_assert_uint_eq(engine_stats(e)->bytes, eb);
	engine_free(e);
	alog_clear(&l);
	conf_free(c);
}
END_TEST

/* --- the demo stream, through the pipeline ---------------------------- */

struct lines {
	char	*buf;
	char	**v;
	size_t	 n;
};

static void
read_lines(const char *path, struct lines *ls)
{
	FILE	*fp = fopen(path, "r");
	size_t	 len = 0, cap = 0;
	char	*p, *nl;

	ck_assert_ptr_nonnull(fp);
	memset(ls, 0, sizeof(*ls));
	ls->buf = malloc(1 << 22);
	len = fread(ls->buf, 1, (1 << 22) - 1, fp);
	fclose(fp);
	ls->buf[len] = '\0';
	for (p = ls->buf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (ls->n == cap) {
			cap = cap == 0 ? 256 : 2 * cap;
			ls->v = realloc(ls->v, cap * sizeof(*ls->v));
		}
		ls->v[ls->n++] = p;
	}
}

static void
run_lines(struct engine *e, const struct conf *cf, const struct lines *ls,
    size_t from, size_t to)
{
	struct pipeline	*p = pipeline_new(e, cf->max_message);
	size_t		 i;

	for (i = from; i < to; i++)
		pipeline_message(p, ls->v[i], strlen(ls->v[i]), NOW(i), 0);
	pipeline_free(p);
}

START_TEST(test_snapshot_continuity_demo)
{
	struct lines	 ls;
	struct alog	 ref, got;
	struct conf	*cf = conf_new();
	struct engine	*e;
	size_t		 k;

	read_lines(TESTDATA "/demo.jsonl", &ls);
	ck_assert_uint_gt(ls.n, 200);
	memset(&ref, 0, sizeof(ref));
	memset(&got, 0, sizeof(got));
	e = mk_engine(cf, &ref, 1);
	run_lines(e, cf, &ls, 0, ls.n);
	engine_flush(e, NOW(ls.n));
	engine_free(e);
	ck_assert_uint_gt(ref.n, 10);
	for (k = 0; k <= ls.n; k += 7) {
		e = mk_engine(cf, &got, 1);
		run_lines(e, cf, &ls, 0, k);
		e = restart(e, cf, &got, NOW(k));
		run_lines(e, cf, &ls, k, ls.n);
		engine_flush(e, NOW(ls.n));
		engine_free(e);
		alog_same(&ref, &got, k);
		alog_clear(&got);
	}
	alog_clear(&ref);
	free(ls.v);
	free(ls.buf);
	conf_free(cf);
}
END_TEST

/* --- the format ------------------------------------------------------- */

static struct conf	*cf;
static struct alog	 log0;
static struct engine	*e0;
static uint8_t		*file0;
static size_t		 len0;

/* An engine holding some of everything, and its state file. */
static void
setup(void)
{
	struct rec	 v[256];
	size_t		 n = hand_stream(v);

	cf = conf_new();
	memset(&log0, 0, sizeof(log0));
	e0 = mk_engine(cf, &log0, 3);
	/* Up to the loads of hour 2: every table holds something. */
	run_recs(e0, v, 0, n - 2);
	file0 = snapshot_of(e0, &len0);
}

static void
teardown(void)
{
	engine_free(e0);
	free(file0);
	alog_clear(&log0);
	conf_free(cf);
}

/*
 * Try to load p; the refusal reason, or NULL when it loaded. What loads
 * then meets the whole stream again and a flush, so that any value the
 * load let through goes through the rules' arithmetic (UBSan watches).
 */
static const char *
try_load(const uint8_t *p, size_t len)
{
	struct rec	 v[256];
	struct alog	 l;
	struct engine	*e;
	const char	*why = NULL;
	size_t		 n;

	memset(&l, 0, sizeof(l));
	e = mk_engine(cf, &l, 5);
	if (engine_snapshot_read(e, p, len, NOW(0), &why) == 0) {
		why = NULL;
		n = hand_stream(v);
		run_recs(e, v, 0, n);
		engine_tick(e, NOW(n), 1000000);
		engine_flush(e, NOW(n));
	} else
		ck_assert_ptr_nonnull(why);
	engine_free(e);
	alog_clear(&l);
	return (why);
}

static void
seal(uint8_t *p, size_t len)
{
	uint32_t	 crc = snapshot_crc32c(0, p, len - 4);
	int		 i;

	for (i = 0; i < 4; i++)
		p[len - 4 + i] = (uint8_t)(crc >> (8 * i));
}

START_TEST(test_snapshot_crc32c)
{
	/* The check value of CRC-32C (RFC 3720, B.4). */
	ck_assert_uint_eq(snapshot_crc32c(0, "123456789", 9), 0xe3069283);
	ck_assert_uint_eq(snapshot_crc32c(snapshot_crc32c(0, "1234", 4),
	    "56789", 5), 0xe3069283);
}
END_TEST

START_TEST(test_snapshot_every_section)
{
	static const uint32_t want[] = { SNAPSHOT_STRS, SNAPSHOT_PARM,
	    SNAPSHOT_ENGN, SNAPSHOT_NJKY, SNAPSHOT_NJPR, SNAPSHOT_ILWN,
	    SNAPSHOT_END };
	struct snapshot_r	 r, s;
	const char	*why;
	uint32_t	 tag;
	uint64_t	 count;
	size_t		 i;

	ck_assert_int_eq(memcmp(file0, "SIGNETD", 8), 0);
	ck_assert_int_eq(snapshot_open(file0, len0, &r, &why), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(snapshot_next(&r, &tag, &s), 0);
		ck_assert_uint_eq(tag, want[i]);
		/* Tables start with their count: none is empty here. */
		if (tag == SNAPSHOT_STRS || tag == SNAPSHOT_NJKY ||
		    tag == SNAPSHOT_NJPR || tag == SNAPSHOT_ILWN) {
			ck_assert_int_eq(snapshot_get_u64(&s, &count), 0);
			ck_assert_uint_gt(count, 0);
		}
	}
	ck_assert_uint_eq(r.n, 0);
}
END_TEST

/* A round trip keeps every table and its byte count; so does a second. */
START_TEST(test_snapshot_round_trip)
{
	const struct netjoin_stats	*a = engine_netjoin_stats(e0), *b;
	struct alog			 l;
	struct engine			*e;
	const char			*why;
	uint8_t				*p;
	size_t				 len;

	memset(&l, 0, sizeof(l));
	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_snapshot_read(e, file0, len0, NOW(0), &why), 0);
	ck_assert_uint_eq(l.n, 0);
	b = engine_netjoin_stats(e);
	ck_assert_uint_gt(a->keys, 0);
	ck_assert_uint_gt(a->groups, 0);
	ck_assert_uint_gt(a->procs, 0);
	ck_assert_uint_eq(a->keys, b->keys);
	ck_assert_uint_eq(a->groups, b->groups);
	ck_assert_uint_eq(a->procs, b->procs);
	ck_assert_uint_eq(a->bytes, b->bytes);
	ck_assert_uint_gt(engine_imageload_stats(e0)->windows, 0);
	ck_assert_uint_eq(engine_imageload_stats(e0)->windows,
	    engine_imageload_stats(e)->windows);
	ck_assert_uint_eq(engine_imageload_stats(e0)->groups,
	    engine_imageload_stats(e)->groups);
	ck_assert_int_eq(engine_stats(e0)->max_time, engine_stats(e)->max_time);
	ck_assert_int_eq(engine_stats(e0)->watermark,
	    engine_stats(e)->watermark);
	ck_assert_uint_eq(engine_stats(e0)->intern_bytes,
	    engine_stats(e)->intern_bytes);
	p = snapshot_of(e, &len);
	ck_assert_uint_eq(len, len0);
	free(p);
	engine_free(e);
	alog_clear(&l);
}
END_TEST

START_TEST(test_snapshot_flipped_byte)
{
	uint8_t	*p = malloc(len0);
	size_t	 i;

	for (i = 0; i < len0; i++) {
		memcpy(p, file0, len0);
		p[i] ^= 0x20;
		ck_assert_msg(try_load(p, len0) != NULL, "byte %zu flipped "
		    "and loaded", i);
	}
	free(p);
}
END_TEST

START_TEST(test_snapshot_truncated)
{
	uint8_t	*p;
	size_t	 i;

	/* A copy of exactly i bytes, so ASan sees any read past them. */
	for (i = 0; i < len0; i++) {
		p = malloc(i == 0 ? 1 : i);
		memcpy(p, file0, i);
		ck_assert_msg(try_load(p, i) != NULL, "%zu bytes loaded", i);
		free(p);
	}
}
END_TEST

START_TEST(test_snapshot_foreign)
{
	static const char	 text[] = "[signetd]\nstate_file = x\n";
	uint8_t			*p = malloc(len0);

	ck_assert_str_eq(try_load((const uint8_t *)text, sizeof(text) - 1),
	    "not a signetd state file (bad magic)");
	memcpy(p, file0, len0);
	p[0] = 'X';
	seal(p, len0);
	ck_assert_str_eq(try_load(p, len0),
	    "not a signetd state file (bad magic)");
	free(p);
}
END_TEST

START_TEST(test_snapshot_wrong_version)
{
	uint8_t	*p = malloc(len0);

	memcpy(p, file0, len0);
	p[8] = SNAPSHOT_VERSION + 1;
	seal(p, len0);
	ck_assert_str_eq(try_load(p, len0), "unsupported format version");
	free(p);
}
END_TEST

/*
 * Every byte changed in turn, the CRC made right again: the parser meets
 * lengths, counts, indexes and times that lie, and must refuse or load
 * without reading out of bounds or leaking (ASan and LSan watch).
 */
START_TEST(test_snapshot_hostile_content)
{
	static const uint8_t	 xs[] = { 0x01, 0x80, 0xff };
	uint8_t			*p = malloc(len0);
	size_t			 i, j, refused = 0;

	for (j = 0; j < sizeof(xs); j++)
		for (i = SNAPSHOT_HDRLEN; i < len0 - SNAPSHOT_TRAILER; i++) {
			memcpy(p, file0, len0);
			p[i] ^= xs[j];
			seal(p, len0);
			if (try_load(p, len0) != NULL)
				refused++;
		}
	ck_assert_uint_gt(refused, len0 / 4);
	free(p);
}
END_TEST

/* A file made by hand: header, the sections given, CRC. */
static uint8_t *
handmade(const uint8_t *body, size_t blen, size_t *len)
{
	uint8_t	*p;

	*len = SNAPSHOT_HDRLEN + blen + SNAPSHOT_TRAILER;
	p = calloc(1, *len);
	memcpy(p, SNAPSHOT_MAGIC, SNAPSHOT_MAGICLEN);
	p[8] = SNAPSHOT_VERSION;
	if (blen > 0)
		memcpy(p + SNAPSHOT_HDRLEN, body, blen);
	seal(p, *len);
	return (p);
}

START_TEST(test_snapshot_hostile_lengths)
{
	/* STRS of 2^60 strings in 8 bytes. */
	static const uint8_t	 huge_count[] = { 'S', 'T', 'R', 'S',
	    8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	/* A section longer than the file. */
	static const uint8_t	 long_section[] = { 'S', 'T', 'R', 'S',
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0 };
	/* One string said to be 4 GiB long. */
	static const uint8_t	 long_string[] = { 'S', 'T', 'R', 'S',
	    12, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0xff, 0xff };
	uint8_t			*p;
	size_t			 len;

	p = handmade(huge_count, sizeof(huge_count), &len);
	ck_assert_str_eq(try_load(p, len), "count larger than its section");
	free(p);
	p = handmade(long_section, sizeof(long_section), &len);
	ck_assert_str_eq(try_load(p, len), "section longer than the file");
	free(p);
	p = handmade(long_string, sizeof(long_string), &len);
	ck_assert_str_eq(try_load(p, len), "string longer than its section");
	free(p);
	p = handmade(NULL, 0, &len);
	ck_assert_ptr_nonnull(try_load(p, len));
	free(p);
}
END_TEST

/* Loaded under a smaller state_memory: evicted, counted, within it. */
START_TEST(test_snapshot_budget)
{
	struct alog	 l;
	struct engine	*e;
	const char	*why;

	memset(&l, 0, sizeof(l));
	cf->state_memory = engine_stats(e0)->bytes / 2;
	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_snapshot_read(e, file0, len0, NOW(0), &why), 0);
	ck_assert_uint_gt(engine_stats(e)->over_budget, 0);
	ck_assert_uint_le(engine_stats(e)->bytes, cf->state_memory);
	engine_free(e);
	alog_clear(&l);
}
END_TEST

/* Another period: imageload windows dropped, netjoin kept. */
START_TEST(test_snapshot_other_period)
{
	struct alog	 l;
	struct engine	*e;
	const char	*why;

	memset(&l, 0, sizeof(l));
	cf->period = 2 * T_HOUR;
	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_snapshot_read(e, file0, len0, NOW(0), &why), 0);
	ck_assert_uint_eq(engine_imageload_stats(e)->windows, 0);
	ck_assert_uint_eq(engine_netjoin_stats(e)->keys,
	    engine_netjoin_stats(e0)->keys);
	engine_free(e);
	alog_clear(&l);
}
END_TEST

/*
 * A file written under another window (the option needs a restart, so
 * the state file is how a new window meets old state): a bad fact and a
 * connection five minutes later match under the new window, not the
 * old one, both ways.
 */
static size_t
window_alerts(int64_t w_saved, int64_t w_loaded)
{
	struct conf	*c0 = conf_new(), *c1 = conf_new();
	struct alog	 l;
	struct engine	*e;
	struct rec	 r;
	size_t		 n;

	memset(&l, 0, sizeof(l));
	c0->window = w_saved;
	c1->window = w_loaded;
	e = mk_engine(c0, &l, 5);
	r = mk_cert("d1", T0, 0x66, TRI_FALSE, TRI_FALSE);
	engine_push(e, &r, NOW(0), 0);
	e = restart(e, c1, &l, NOW(1));
	r = mk_net("d1", T0 + 5 * 60 * T_SEC, 0x66, "7.7.7.7");
	engine_push(e, &r, NOW(2), 0);
	engine_flush(e, NOW(3));
	ck_assert_uint_eq(engine_netjoin_stats(e)->keys, 1);
	engine_free(e);
	n = l.n;
	alog_clear(&l);
	conf_free(c0);
	conf_free(c1);
	return (n);
}

START_TEST(test_snapshot_other_window)
{
	ck_assert_uint_eq(window_alerts(1 * 60 * T_SEC, 10 * 60 * T_SEC), 1);
	ck_assert_uint_eq(window_alerts(10 * 60 * T_SEC, 1 * 60 * T_SEC), 0);
	ck_assert_uint_eq(window_alerts(10 * 60 * T_SEC, 10 * 60 * T_SEC), 1);
}
END_TEST

/* --- files ------------------------------------------------------------ */

START_TEST(test_snapshot_files)
{
	char		 dir[] = "/tmp/check_snapshot.XXXXXX", path[128],
			 bad[140], tmp[140], victim[140];
	struct alog	 l;
	struct engine	*e;
	struct stat	 sb;
	uint64_t	 size = 0;
	FILE		*fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(bad, sizeof(bad), "%s/state.bad", dir);
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", dir);
	memset(&l, 0, sizeof(l));

	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_restore(e, path, NOW(0)), 0);
	engine_free(e);

	ck_assert_int_eq(engine_save(e0, path, &size), 0);
	ck_assert_uint_eq(size, len0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, len0);
	ck_assert_int_eq(stat(tmp, &sb), -1);
	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_restore(e, path, NOW(0)), 1);
	ck_assert_uint_eq(engine_netjoin_stats(e)->keys,
	    engine_netjoin_stats(e0)->keys);
	engine_free(e);

	/*
	 * A temporary file left behind, readable by all: the state is
	 * saved 0600 all the same. One that is a symbolic link: its target
	 * is not written, and path is a file of its own.
	 */
	fp = fopen(tmp, "w");
	ck_assert_ptr_nonnull(fp);
	fclose(fp);
	ck_assert_int_eq(chmod(tmp, 0644), 0);
	ck_assert_int_eq(engine_save(e0, path, &size), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	fp = fopen(victim, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("keep", fp);
	fclose(fp);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(engine_save(e0, path, &size), 0);
	ck_assert_int_eq(stat(victim, &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, 4);
	ck_assert_int_eq(lstat(path, &sb), 0);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_uint_eq((uint64_t)sb.st_size, len0);
	ck_assert_int_eq(lstat(tmp, &sb), -1);
	ck_assert_int_eq(unlink(victim), 0);

	/* Truncated: refused, moved aside, the next start is empty. */
	ck_assert_int_eq(truncate(path, (off_t)len0 / 2), 0);
	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_restore(e, path, NOW(0)), -1);
	engine_free(e);
	ck_assert_int_eq(stat(path, &sb), -1);
	ck_assert_int_eq(stat(bad, &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, len0 / 2);

	/* Empty and foreign files too. */
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fclose(fp);
	e = mk_engine(cf, &l, 11);
	ck_assert_int_eq(engine_restore(e, path, NOW(0)), -1);
	engine_free(e);
	ck_assert_int_eq(stat(path, &sb), -1);

	/* A save into a directory that is gone fails and says so. */
	ck_assert_int_eq(unlink(bad), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(engine_save(e0, path, &size), -1);
	alog_clear(&l);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("snapshot");
	TCase	*tc = tcase_create("format");
	TCase	*tcc = tcase_create("continuity");
	SRunner	*sr;
	int	 nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_snapshot_crc32c);
	tcase_add_test(tc, test_snapshot_every_section);
	tcase_add_test(tc, test_snapshot_round_trip);
	tcase_add_test(tc, test_snapshot_bytes_restored);
	tcase_add_test(tc, test_snapshot_heap_capacity_restored);
	tcase_add_test(tc, test_snapshot_flipped_byte);
	tcase_add_test(tc, test_snapshot_truncated);
	tcase_add_test(tc, test_snapshot_foreign);
	tcase_add_test(tc, test_snapshot_wrong_version);
	tcase_add_test(tc, test_snapshot_hostile_content);
	tcase_add_test(tc, test_snapshot_hostile_lengths);
	tcase_add_test(tc, test_snapshot_budget);
	tcase_add_test(tc, test_snapshot_other_period);
	tcase_add_test(tc, test_snapshot_other_window);
	tcase_add_test(tc, test_snapshot_files);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	tcase_add_test(tcc, test_snapshot_continuity_records);
	tcase_add_test(tcc, test_snapshot_continuity_budget);
	tcase_add_test(tcc, test_snapshot_continuity_demo);
	tcase_set_timeout(tcc, 600);
	suite_add_tcase(s, tcc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
