/*
 * signetd: tests of addr.c, strict address parsing, CIDR prefixes and the
 * special-purpose ranges of the detection spec (sections 5 and 8).
 */
#include <sys/types.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "config.h"
#include "addr.h"

struct boundary {
	const char	*addr;
	int		 internal;
};

/*
 * For every special-purpose range: the last address below it, its first
 * and last addresses, and the first address above it, where those
 * neighbours are not themselves in a special range.
 */
static const struct boundary special_v4[] = {
	{ "0.0.0.0", 1 }, { "0.255.255.255", 1 }, { "1.0.0.0", 0 },
	{ "9.255.255.255", 0 }, { "10.0.0.0", 1 }, { "10.255.255.255", 1 },
	{ "11.0.0.0", 0 },
	{ "100.63.255.255", 0 }, { "100.64.0.0", 1 },
	{ "100.127.255.255", 1 }, { "100.128.0.0", 0 },
	{ "126.255.255.255", 0 }, { "127.0.0.0", 1 },
	{ "127.255.255.255", 1 }, { "128.0.0.0", 0 },
	{ "169.253.255.255", 0 }, { "169.254.0.0", 1 },
	{ "169.254.255.255", 1 }, { "169.255.0.0", 0 },
	{ "172.15.255.255", 0 }, { "172.16.0.0", 1 },
	{ "172.31.255.255", 1 }, { "172.32.0.0", 0 },
	{ "191.255.255.255", 0 }, { "192.0.0.0", 1 }, { "192.0.0.255", 1 },
	{ "192.0.1.0", 0 },
	{ "192.0.1.255", 0 }, { "192.0.2.0", 1 }, { "192.0.2.255", 1 },
	{ "192.0.3.0", 0 },
	{ "192.167.255.255", 0 }, { "192.168.0.0", 1 },
	{ "192.168.255.255", 1 }, { "192.169.0.0", 0 },
	{ "198.17.255.255", 0 }, { "198.18.0.0", 1 }, { "198.19.255.255", 1 },
	{ "198.20.0.0", 0 },
	{ "198.51.99.255", 0 }, { "198.51.100.0", 1 },
	{ "198.51.100.255", 1 }, { "198.51.101.0", 0 },
	{ "203.0.112.255", 0 }, { "203.0.113.0", 1 }, { "203.0.113.255", 1 },
	{ "203.0.114.0", 0 },
	{ "223.255.255.255", 0 }, { "224.0.0.0", 1 },
	{ "239.255.255.255", 1 }, { "240.0.0.0", 1 },
	{ "255.255.255.255", 1 },
	{ "8.8.8.8", 0 }, { "1.1.1.1", 0 }, { "81.2.69.160", 0 },
};

static const struct boundary special_v6[] = {
	{ "::", 1 }, { "::1", 1 }, { "::2", 0 },
	{ "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
	{ "100::", 1 }, { "100::ffff:ffff:ffff:ffff", 1 },
	{ "100:0:0:1::", 0 },
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "2001:db8::", 1 },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 }, { "2001:db9::", 0 },
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "fc00::", 1 },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "fe00::", 0 },
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "fe80::", 1 },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 }, { "fec0::", 0 },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "ff00::", 1 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "2606:4700::1111", 0 }, { "2001:4860:4860::8888", 0 },
	/* IPv4-mapped literals follow the IPv4 rules. */
	{ "::ffff:10.0.0.1", 1 }, { "::ffff:127.0.0.1", 1 },
	{ "::ffff:8.8.8.8", 0 }, { "::ffff:0:0", 1 },
	{ "::ffff:a00:1", 1 },
};

static int
parse(const char *s, struct in6_addr *a)
{
	return (addr_parse(s, strlen(s), a));
}

static const char *
fmt(const char *s, char *buf, size_t len)
{
	struct in6_addr	 a;

	ck_assert_msg(parse(s, &a) == 0, "%s does not parse", s);
	ck_assert_uint_gt(addr_format(&a, buf, len), 0);
	return (buf);
}

static struct cidr
cidr(const char *s)
{
	struct cidr	 c;

	ck_assert_msg(cidr_parse(s, strlen(s), &c) == 0, "%s does not parse",
	    s);
	return (c);
}

START_TEST(test_addr_parse_v4_mapped)
{
	static const uint8_t	 want[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 81, 2, 69, 160
	};
	struct in6_addr		 a;

	ck_assert_int_eq(parse("81.2.69.160", &a), 0);
	ck_assert_mem_eq(a.s6_addr, want, sizeof(want));
	ck_assert_int_eq(addr_is_v4mapped(&a), 1);
	ck_assert_int_eq(parse("::ffff:81.2.69.160", &a), 0);
	ck_assert_mem_eq(a.s6_addr, want, sizeof(want));
	ck_assert_int_eq(parse("2606:4700::1111", &a), 0);
	ck_assert_int_eq(addr_is_v4mapped(&a), 0);
	ck_assert_int_eq(parse("::81.2.69.160", &a), 0);
	ck_assert_int_eq(addr_is_v4mapped(&a), 0);
}
END_TEST

START_TEST(test_addr_parse_strict)
{
	static const char *const bad[] = {
		"", "1.2.3", "081.2.69.1", "81.2.69.256", "1.2.3.4.5",
		"0x1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1..2.3",
		"fe80::1%12", "fe80::1%eth0", "::ffff:081.2.69.1",
		"1:2:3:4:5:6:7:8:9", "12345::", "::g", ":::", "2001:db8::1::2",
		"[::1]", "localhost", "-1",
		"0000:0000:0000:0000:0000:0000:0000:0000:0",
	};
	struct in6_addr	 a;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], &a) == -1, "'%s' accepted",
		    bad[i]);
	/* An embedded NUL ends nothing: the whole length counts. */
	ck_assert_int_eq(addr_parse("1.2.3.4\0", 8, &a), -1);
	ck_assert_int_eq(addr_parse(NULL, 0, &a), -1);
}
END_TEST

START_TEST(test_addr_parse_length)
{
	/* 45 characters is the longest literal inet_pton takes. */
	static const char	 max[] =
	    "0000:0000:0000:0000:0000:ffff:255.255.255.255";
	char			 big[4096];
	struct in6_addr		 a;

	ck_assert_uint_eq(strlen(max), 45);
	ck_assert_int_eq(parse(max, &a), 0);
	ck_assert_int_eq(addr_is_v4mapped(&a), 1);
	ck_assert_int_eq(parse("00000:0000:0000:0000:0000:ffff:255.255.255.255",
	    &a), -1);
	/* Longer input is refused before it is copied anywhere. */
	memset(big, '1', sizeof(big));
	ck_assert_int_eq(addr_parse(big, sizeof(big), &a), -1);
	memcpy(big, max, sizeof(max) - 1);
	ck_assert_int_eq(addr_parse(big, sizeof(max) - 1, &a), 0);
	ck_assert_int_eq(addr_parse(big, sizeof(max), &a), -1);
}
END_TEST

START_TEST(test_addr_parse_not_terminated)
{
	struct in6_addr	 a;
	char		 buf[ADDR_STRLEN];

	/* Records hand us slices: only the n bytes given are read. */
	ck_assert_int_eq(addr_parse("10.0.0.1234", 8, &a), 0);
	ck_assert_str_eq((addr_format(&a, buf, sizeof(buf)), buf),
	    "10.0.0.1");
	ck_assert_int_eq(addr_parse("::1\"}", 3, &a), 0);
	ck_assert_int_eq(addr_parse("10.0.0.1234", 7, &a), -1);
}
END_TEST

START_TEST(test_addr_format)
{
	char		 buf[ADDR_STRLEN];
	struct in6_addr	 a;

	ck_assert_str_eq(fmt("81.2.69.160", buf, sizeof(buf)), "81.2.69.160");
	ck_assert_str_eq(fmt("::ffff:81.2.69.160", buf, sizeof(buf)),
	    "81.2.69.160");
	ck_assert_str_eq(fmt("2001:0DB8:0000:0000:0000:0000:0000:0001", buf,
	    sizeof(buf)), "2001:db8::1");
	ck_assert_str_eq(fmt("2001:db8:0:0:1:0:0:1", buf, sizeof(buf)),
	    "2001:db8::1:0:0:1");
	ck_assert_str_eq(fmt("::", buf, sizeof(buf)), "::");
	ck_assert_uint_eq(addr_format(&(struct in6_addr){ 0 }, buf,
	    sizeof(buf)), 2);
	ck_assert_int_eq(parse("255.255.255.255", &a), 0);
	ck_assert_uint_eq(addr_format(&a, buf, 15), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(addr_format(&a, buf, 16), 15);
}
END_TEST

START_TEST(test_addr_cidr_parse)
{
	struct cidr	 c, d;
	char		 buf[ADDR_STRLEN];

	c = cidr("10.0.0.0/8");
	ck_assert_uint_eq(c.plen, 104);
	c = cidr("::1/128");
	ck_assert_uint_eq(c.plen, 128);
	c = cidr("::1");
	ck_assert_uint_eq(c.plen, 128);
	c = cidr("192.0.2.7");
	ck_assert_uint_eq(c.plen, 128);
	c = cidr("0.0.0.0/0");
	ck_assert_uint_eq(c.plen, 96);
	c = cidr("::/0");
	ck_assert_uint_eq(c.plen, 0);
	c = cidr("::ffff:10.0.0.0/104");
	d = cidr("10.0.0.0/8");
	ck_assert_uint_eq(c.plen, d.plen);
	ck_assert_mem_eq(&c.net, &d.net, sizeof(c.net));

	/* Host bits are masked off. */
	c = cidr("10.1.2.3/8");
	ck_assert_mem_eq(&c.net, &d.net, sizeof(c.net));
	c = cidr("2001:db8:ffff::1/32");
	addr_format(&c.net, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::");
	c = cidr("fe80::1/10");
	addr_format(&c.net, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fe80::");
	c = cidr("172.31.255.255/12");
	addr_format(&c.net, buf, sizeof(buf));
	ck_assert_str_eq(buf, "172.16.0.0");
	c = cidr("2001:db8::1/127");
	addr_format(&c.net, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::");
}
END_TEST

START_TEST(test_addr_cidr_parse_reject)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/-1",
		"10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8x", "10.0.0.0/8/8",
		"10.0.0/8", "10.0.0.0 /8", "10.0.0.0/ 8", "::1/1000",
		"fe80::1%1/64", "", "/", "10.0.0.0/0008",
	};
	struct cidr	 c;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cidr_parse(bad[i], strlen(bad[i]), &c) == -1,
		    "'%s' accepted", bad[i]);
	/* Only n bytes are read. */
	ck_assert_int_eq(cidr_parse("10.0.0.0/8,", 10, &c), 0);
	ck_assert_uint_eq(c.plen, 104);
}
END_TEST

START_TEST(test_addr_cidr_contains)
{
	struct cidr	 c;
	struct in6_addr	 a;

	c = cidr("10.0.0.0/8");
	ck_assert_int_eq(parse("10.255.255.255", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 1);
	ck_assert_int_eq(parse("11.0.0.0", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 0);
	/* An IPv4 prefix never holds an IPv6 address, nor the reverse. */
	ck_assert_int_eq(parse("::a00:1", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 0);
	c = cidr("::/0");
	ck_assert_int_eq(cidr_contains(&c, &a), 1);
	c = cidr("0.0.0.0/0");
	ck_assert_int_eq(cidr_contains(&c, &a), 0);
	ck_assert_int_eq(parse("255.255.255.255", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 1);
	c = cidr("192.0.2.7");
	ck_assert_int_eq(cidr_contains(&c, &a), 0);
	ck_assert_int_eq(parse("192.0.2.7", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 1);
	/* A prefix that ends inside the low 64 bits. */
	c = cidr("2001:db8:0:0:8000::/65");
	ck_assert_int_eq(parse("2001:db8::ffff:0:0:1", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 1);
	ck_assert_int_eq(parse("2001:db8::7fff:0:0:1", &a), 0);
	ck_assert_int_eq(cidr_contains(&c, &a), 0);
}
END_TEST

static void
check_boundaries(const struct boundary *b, size_t n)
{
	struct cidr_list	 l;
	struct in6_addr		 a;
	size_t			 i;

	cidr_list_init(&l);
	cidr_list_add_special(&l);
	for (i = 0; i < n; i++) {
		ck_assert_msg(parse(b[i].addr, &a) == 0, "%s does not parse",
		    b[i].addr);
		ck_assert_msg(cidr_list_contains(&l, &a) == b[i].internal,
		    "%s should be %s", b[i].addr,
		    b[i].internal ? "internal" : "public");
	}
	cidr_list_clear(&l);
}

START_TEST(test_addr_special_v4)
{
	check_boundaries(special_v4,
	    sizeof(special_v4) / sizeof(special_v4[0]));
}
END_TEST

START_TEST(test_addr_special_v6)
{
	check_boundaries(special_v6,
	    sizeof(special_v6) / sizeof(special_v6[0]));
}
END_TEST

START_TEST(test_addr_special_exact)
{
	static const char *const want[] = {
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
		"169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
		"192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
		"240.0.0.0/4", "::/128", "::1/128", "100::/64",
		"2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
	};
	struct cidr_list	 l;
	struct cidr		 c;
	size_t			 i;

	cidr_list_init(&l);
	cidr_list_add_special(&l);
	ck_assert_uint_eq(l.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < l.n; i++) {
		c = cidr(want[i]);
		ck_assert_uint_eq(l.v[i].plen, c.plen);
		ck_assert_mem_eq(&l.v[i].net, &c.net, sizeof(c.net));
	}
	cidr_list_clear(&l);
}
END_TEST

START_TEST(test_addr_list_ops)
{
	struct cidr_list	 l, m;
	struct cidr		 c;
	struct in6_addr		 a;
	size_t			 i;

	cidr_list_init(&l);
	ck_assert_int_eq(parse("127.0.0.1", &a), 0);
	ck_assert_int_eq(cidr_list_contains(&l, &a), 0);
	c = cidr("127.0.0.0/8");
	cidr_list_add(&l, &c);
	ck_assert_int_eq(cidr_list_contains(&l, &a), 1);
	/* Growth keeps the entries. */
	for (i = 0; i < 100; i++) {
		c = cidr("2001:db8::/32");
		cidr_list_add(&l, &c);
	}
	ck_assert_uint_eq(l.n, 101);
	ck_assert_int_eq(cidr_list_contains(&l, &a), 1);

	cidr_list_init(&m);
	c = cidr("::1");
	cidr_list_add(&m, &c);
	cidr_list_copy(&m, &l);
	ck_assert_uint_eq(m.n, 101);
	ck_assert_int_eq(cidr_list_contains(&m, &a), 1);
	ck_assert_int_eq(parse("::1", &a), 0);
	ck_assert_int_eq(cidr_list_contains(&m, &a), 0);
	cidr_list_copy(&m, &m);
	ck_assert_uint_eq(m.n, 101);

	cidr_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_ptr_null(l.v);
	ck_assert_int_eq(parse("127.0.0.1", &a), 0);
	ck_assert_int_eq(cidr_list_contains(&l, &a), 0);
	ck_assert_int_eq(cidr_list_contains(&m, &a), 1);
	cidr_list_clear(&m);
	cidr_list_clear(&m);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_addr_parse_v4_mapped);
	tcase_add_test(tc, test_addr_parse_strict);
	tcase_add_test(tc, test_addr_parse_length);
	tcase_add_test(tc, test_addr_parse_not_terminated);
	tcase_add_test(tc, test_addr_format);
	tcase_add_test(tc, test_addr_cidr_parse);
	tcase_add_test(tc, test_addr_cidr_parse_reject);
	tcase_add_test(tc, test_addr_cidr_contains);
	tcase_add_test(tc, test_addr_special_v4);
	tcase_add_test(tc, test_addr_special_v6);
	tcase_add_test(tc, test_addr_special_exact);
	tcase_add_test(tc, test_addr_list_ops);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
