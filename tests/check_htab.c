/*
 * signetd tests: SipHash, the hash table and string interning.
 */
#include "testutil.h"

#include "htab.h"
#include "intern.h"
#include "siphash.h"

static const struct sipkey vkey = {
	UINT64_C(0x0706050403020100), UINT64_C(0x0f0e0d0c0b0a0908)
};

/* Test vectors of the SipHash paper (appendix A) and reference code. */
START_TEST(test_htab_siphash_vectors)
{
	uint8_t		 msg[64];
	struct siphash	 s;
	size_t		 i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash(&vkey, msg, 0),
	    UINT64_C(0x726fdb47dd0e0e31));
	ck_assert_uint_eq(siphash(&vkey, msg, 15),
	    UINT64_C(0xa129ca6149be45e5));
	siphash_init(&s, &vkey);
	for (i = 0; i < 15; i++)
		siphash_add(&s, msg + i, 1);
	ck_assert_uint_eq(siphash_end(&s), UINT64_C(0xa129ca6149be45e5));
}
END_TEST

START_TEST(test_htab_siphash_lower)
{
	struct siphash	 s;

	siphash_init(&s, &vkey);
	siphash_add_lower(&s, "C:\\Users\\X.EXE", 14);
	ck_assert_uint_eq(siphash_end(&s),
	    siphash(&vkey, "c:\\users\\x.exe", 14));
}
END_TEST

/*
 * Every byte value at every offset and split point: the word-at-a-time
 * lower-casing must agree with lower-casing a copy byte by byte, and
 * only 'A'-'Z' may change (UTF-8 and control bytes stay as they are).
 */
START_TEST(test_htab_siphash_lower_every_byte)
{
	struct siphash	 s;
	char		 raw[300], low[300];
	size_t		 i, off, cut, n;

	for (i = 0; i < sizeof(raw); i++) {
		raw[i] = (char)(i & 0xff);
		low[i] = raw[i] >= 'A' && raw[i] <= 'Z' ?
		    raw[i] + 'a' - 'A' : raw[i];
	}
	for (off = 0; off < 8; off++)
		for (cut = 0; cut < 20; cut++) {
			n = sizeof(raw) - off;
			siphash_init(&s, &vkey);
			siphash_add_lower(&s, raw + off, cut);
			siphash_add_lower(&s, raw + off + cut, n - cut);
			ck_assert_uint_eq(siphash_end(&s),
			    siphash(&vkey, low + off, n));
			siphash_init(&s, &vkey);
			siphash_add(&s, raw + off, cut);
			siphash_add(&s, raw + off + cut, n - cut);
			ck_assert_uint_eq(siphash_end(&s),
			    siphash(&vkey, raw + off, n));
		}
}
END_TEST

/* Colliding hashes: every entry still found; removals keep the rest. */
START_TEST(test_htab_collisions_and_removal)
{
	struct htab	 t;
	intptr_t	 i;
	size_t		 it, found;
	void		*e;

	htab_init(&t, 4);
	for (i = 1; i <= 1000; i++)
		htab_insert(&t, (uint64_t)(i % 7), (void *)i);
	ck_assert_uint_eq(t.n, 1000);
	for (i = 1; i <= 1000; i += 2)
		ck_assert_int_eq(htab_remove(&t, (uint64_t)(i % 7),
		    (void *)i), 0);
	ck_assert_int_eq(htab_remove(&t, 3, (void *)99999), -1);
	ck_assert_uint_eq(t.n, 500);
	for (i = 2; i <= 1000; i += 2) {
		found = 0;
		for (e = htab_first(&t, (uint64_t)(i % 7), &it); e != NULL;
		    e = htab_next(&t, (uint64_t)(i % 7), &it))
			if (e == (void *)i)
				found = 1;
		ck_assert_uint_eq(found, 1);
	}
	htab_clear(&t);
}
END_TEST

START_TEST(test_htab_intern_refcount)
{
	struct intern	 in;
	struct istr	*a, *b, *c;

	intern_init(&in, &vkey);
	a = intern_get(&in, "Contoso", 7);
	b = intern_get(&in, "Contoso", 7);
	c = intern_get_lower(&in, "CONTOSO", 7);
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_ne(a, c);
	ck_assert_str_eq(c->s, "contoso");
	ck_assert_ptr_eq(intern_lookup(&in, "Contoso", 7), a);
	intern_put(&in, a);
	ck_assert_ptr_eq(intern_lookup(&in, "Contoso", 7), b);
	intern_put(&in, b);
	ck_assert_ptr_null(intern_lookup(&in, "Contoso", 7));
	intern_put(&in, c);
	ck_assert_uint_eq(intern_bytes(&in), 0);
	intern_clear(&in);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("htab");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_htab_siphash_vectors);
	tcase_add_test(tc, test_htab_siphash_lower);
	tcase_add_test(tc, test_htab_siphash_lower_every_byte);
	tcase_add_test(tc, test_htab_collisions_and_removal);
	tcase_add_test(tc, test_htab_intern_refcount);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
