/*
 * signetd tests: the fixed-size pool and the index of pool ids.
 */
#include "testutil.h"

#include "conf.h"
#include "itab.h"
#include "pool.h"

/*
 * White box: netjoin's use of the id limit cannot be reached through
 * its interface without 134M entries, so its code is compiled in here
 * and its pools are set up as if they had been used that far.
 */
#include "netjoin.c"

struct item {
	uint64_t	 key;
	uint32_t	 pad[3];
};

START_TEST(test_pool_ids_and_reuse)
{
	struct pool	 p;
	struct item	*it;
	uint32_t	 a, b, c, i, id;

	pool_init(&p, sizeof(struct item));
	ck_assert_uint_eq(pool_bytes(&p), 0);
	a = pool_get(&p);
	b = pool_get(&p);
	ck_assert_uint_eq(a, 1);		/* 0 means none */
	ck_assert_uint_eq(b, 2);
	it = pool_at(&p, a);
	it->key = 42;
	it->pad[2] = 5;
	ck_assert_ptr_eq(pool_at(&p, b), (char *)it + sizeof(struct item));
	pool_put(&p, a);
	/* A free item is zero past its link: the expiry sweep relies on it. */
	ck_assert_uint_eq(it->pad[2], 0);
	ck_assert_uint_eq(p.n, 1);
	c = pool_get(&p);
	ck_assert_uint_eq(c, a);		/* reused, and zeroed */
	ck_assert_uint_eq(((struct item *)pool_at(&p, c))->key, 0);
	/* Across chunks, items stay where they are. */
	it = pool_at(&p, b);
	it->key = 7;
	for (i = 0; i < 3 * 4096; i++) {
		id = pool_get(&p);
		((struct item *)pool_at(&p, id))->key = id;
	}
	ck_assert_ptr_eq(pool_at(&p, b), it);
	ck_assert_uint_eq(it->key, 7);
	ck_assert_uint_eq(((struct item *)pool_at(&p, 9000))->key, 9000);
	ck_assert_uint_eq(p.n, 2 + 3 * 4096);
	ck_assert_uint_ge(pool_bytes(&p), 4 * 4096 * sizeof(struct item));
	pool_clear(&p);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_uint_eq(pool_get(&p), 1);
	pool_clear(&p);
}
END_TEST

/* A pool that has handed out every id says so instead of wrapping. */
START_TEST(test_pool_exhausted)
{
	struct pool	 p;

	pool_init(&p, sizeof(struct item));
	p.fresh = POOL_MAXID;			/* as if all but one were taken */
	p.nchunk = 0;
	/* Only the last id is left; its chunk is allocated on demand. */
	p.chunk = calloc((POOL_MAXID >> POOL_SHIFT) + 1, sizeof(*p.chunk));
	p.nchunk = POOL_MAXID >> POOL_SHIFT;
	ck_assert_uint_eq(pool_get(&p), POOL_MAXID);
	ck_assert_uint_eq(pool_get(&p), 0);
	pool_put(&p, POOL_MAXID);
	ck_assert_uint_eq(pool_get(&p), POOL_MAXID);
	pool_clear(&p);
}
END_TEST

/* The hash of an item is its key, scrambled: tests choose collisions. */
static uint64_t
item_hash(void *arg, uint32_t id)
{
	struct item	*it = pool_at(arg, id);

	return (it->key);
}

static uint32_t
find(const struct itab *t, struct pool *p, uint64_t key)
{
	uint32_t	 id;
	size_t		 it;

	for (id = itab_first(t, key, &it); id != 0;
	    id = itab_next(t, key, &it))
		if (((struct item *)pool_at(p, id))->key == key)
			return (id);
	return (0);
}

static uint32_t
add(struct itab *t, struct pool *p, uint64_t key)
{
	uint32_t	 id = pool_get(p);

	((struct item *)pool_at(p, id))->key = key;
	itab_insert(t, key, id);
	return (id);
}

/* Keys whose home slot and tag bits are all the same still work. */
START_TEST(test_pool_itab_collisions)
{
	struct pool	 p;
	struct itab	 t;
	uint32_t	 ids[40], i;
	uint64_t	 k;

	pool_init(&p, sizeof(struct item));
	itab_init(&t, 0, item_hash, &p);
	/* same upper 32 bits (home) and low 5 bits (tag): full collisions */
	for (i = 0; i < 40; i++) {
		k = UINT64_C(0xabcdef0100000000) | (uint64_t)i << 5 | 3;
		ids[i] = add(&t, &p, k);
	}
	ck_assert_uint_eq(t.n, 40);
	for (i = 0; i < 40; i++) {
		k = UINT64_C(0xabcdef0100000000) | (uint64_t)i << 5 | 3;
		ck_assert_uint_eq(find(&t, &p, k), ids[i]);
	}
	/* Remove every other one: the rest are still found past tombstones. */
	for (i = 0; i < 40; i += 2) {
		k = UINT64_C(0xabcdef0100000000) | (uint64_t)i << 5 | 3;
		ck_assert_int_eq(itab_remove(&t, k, ids[i]), 0);
		ck_assert_int_eq(itab_remove(&t, k, ids[i]), -1);
		pool_put(&p, ids[i]);
	}
	for (i = 0; i < 40; i++) {
		k = UINT64_C(0xabcdef0100000000) | (uint64_t)i << 5 | 3;
		ck_assert_uint_eq(find(&t, &p, k), i % 2 ? ids[i] : 0);
	}
	ck_assert_uint_eq(t.n, 20);
	itab_clear(&t);
	pool_clear(&p);
}
END_TEST

/*
 * Churn as the state tables see it, one insert and one delete per entry,
 * forever: the table neither grows without bound nor loses an entry, and
 * every slot the sweep walks names a live entry or nothing.
 */
START_TEST(test_pool_itab_churn)
{
	struct pool	 p;
	struct itab	 t;
	uint32_t	*live, id;
	uint64_t	 k, next = 1;
	size_t		 i, j, n = 0, seen, maxcap = 0;

	pool_init(&p, sizeof(struct item));
	itab_init(&t, 0, item_hash, &p);
	live = calloc(5000, sizeof(*live));
	for (i = 0; i < 200000; i++) {
		if (n < 5000) {
			k = next++ * UINT64_C(0x9e3779b97f4a7c15);
			live[n++] = add(&t, &p, k);
		}
		if (n == 5000 || i % 3 == 0) {
			j = (i * 7919) % n;
			id = live[j];
			k = ((struct item *)pool_at(&p, id))->key;
			ck_assert_int_eq(itab_remove(&t, k, id), 0);
			pool_put(&p, id);
			live[j] = live[--n];
		}
		if (itab_capacity(&t) > maxcap)
			maxcap = itab_capacity(&t);
	}
	ck_assert_uint_eq(t.n, n);
	for (j = 0; j < n; j++)
		ck_assert_uint_eq(find(&t, &p,
		    ((struct item *)pool_at(&p, live[j]))->key), live[j]);
	for (i = seen = 0; i < itab_capacity(&t); i++)
		if ((id = itab_at(&t, i)) != 0)
			seen++;
	ck_assert_uint_eq(seen, n);
	/*
	 * 5000 live at most: grown by half only when more than 70 % live,
	 * else tombstones are swept out at the same size.
	 */
	ck_assert_uint_le(maxcap, 5000 * 10 / 7 * 3 / 2 + 16);
	ck_assert_uint_ge(maxcap * 17, 5000 * 20);
	ck_assert_uint_eq(itab_bytes(&t), itab_capacity(&t) * 4);
	free(live);
	itab_clear(&t);
	pool_clear(&p);
}
END_TEST

/* A hint sizes the table so that many inserts need no rebuild. */
START_TEST(test_pool_itab_hint)
{
	struct pool	 p;
	struct itab	 t;
	size_t		 cap, i;

	pool_init(&p, sizeof(struct item));
	itab_init(&t, 1000, item_hash, &p);
	cap = itab_capacity(&t);
	ck_assert_uint_ge(cap * 17, 1000 * 20);
	for (i = 0; i < 1000; i++)
		add(&t, &p, (i + 1) * UINT64_C(0x9e3779b97f4a7c15));
	ck_assert_uint_eq(itab_capacity(&t), cap);
	itab_clear(&t);
	pool_clear(&p);
}
END_TEST

static void
count_alert(void *arg, const struct alert *a)
{
	(void)a;
	(*(size_t *)arg)++;
}

/*
 * Every key id has been handed out and one key was freed since: the
 * free list holds one id. A Sysmon load adds two keys (by hash and by
 * path): netjoin must make room first (evicting the oldest keys, as
 * over budget), not take the one free id and then abort on the second.
 */
START_TEST(test_pool_netjoin_ids_run_out)
{
	struct sipkey	 sk = { 1, 2 };
	size_t		 nalerts = 0;
	struct alert_sink sink = { count_alert, &nalerts };
	struct conf	*cf = conf_new();
	struct intern	 in;
	struct netjoin	*nj;
	struct rec	 r;
	char		**chunk;
	uint32_t	 id;
	int		 i;

	intern_init(&in, &sk);
	nj = netjoin_new(cf, &in, &sk, &sink);
	for (i = 0; i < 3; i++) {
		r = mk_cert("dev1", T0 + i * T_SEC, (uint8_t)(0x10 + i),
		    TRI_TRUE, TRI_TRUE);
		netjoin_fact(nj, &r);
	}
	ck_assert_uint_eq(nj->st.keys, 3);
	/* as if ids 5 .. POOL_MAXID were taken too, and id 4 was freed */
	id = pool_get(&nj->kpool);
	ck_assert_uint_eq(id, 4);
	pool_put(&nj->kpool, id);
	chunk = calloc((POOL_MAXID >> POOL_SHIFT) + 1, sizeof(*chunk));
	ck_assert_ptr_nonnull(chunk);
	chunk[0] = nj->kpool.chunk[0];
	free(nj->kpool.chunk);
	nj->kpool.chunk = chunk;
	nj->kpool.nchunk = (POOL_MAXID >> POOL_SHIFT) + 1;
	nj->kpool.fresh = POOL_MAXID + 1;
	nj->kpool.n = POOL_MAXID - 1;

	memset(&r, 0, sizeof(r));
	r.kind = REC_LOAD;
	r.source = SRC_SYSMON;
	r.time = T0 + 10 * T_SEC;
	r.device = S("dev1");
	r.path = S("C:\\X\\Y.dll");
	set_sha1(&r, 0x77);
	r.is_signed = TRI_TRUE;
	r.is_trusted = TRI_FALSE;
	r.status = S("Expired");
	netjoin_fact(nj, &r);
	/* the three oldest keys went, counted, to leave NJ_ROOM ids */
	ck_assert_uint_eq(nj->st.evicted_keys, 3);
	ck_assert_uint_eq(nj->st.keys, 2);
	ck_assert_uint_eq(nj->kpool.n, POOL_MAXID - NJ_ROOM + 2);
	netjoin_free(nj);
	intern_clear(&in);
	conf_free(cf);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pool");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_pool_ids_and_reuse);
	tcase_add_test(tc, test_pool_exhausted);
	tcase_add_test(tc, test_pool_itab_collisions);
	tcase_add_test(tc, test_pool_itab_churn);
	tcase_add_test(tc, test_pool_itab_hint);
	tcase_add_test(tc, test_pool_netjoin_ids_run_out);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
