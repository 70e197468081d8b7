/*
 * Unit tests for buf.c: growth, printf, and the JSON and text string
 * writers on well-formed, ill-formed and random input.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "config.h"
#include "buf.h"

struct strcase {
	const char	*in;
	size_t		 n;
	const char	*out;
};

#define S(x)	x, sizeof(x) - 1

/*
 * Strict UTF-8 check written as a decoder, not as the byte table buf.c
 * uses, so the two do not share a mistake.
 */
static int
utf8_strict(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp, min;
	size_t			 i = 0, len, k;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((u[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = u[i] & 0x1f;
			min = 0x80;
		} else if ((u[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = u[i] & 0x0f;
			min = 0x800;
		} else if ((u[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = u[i] & 0x07;
			min = 0x10000;
		} else
			return (0);
		if (i + len > n)
			return (0);
		for (k = 1; k < len; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (u[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += len;
	}
	return (1);
}

/* A fixed-seed generator, so a failure can be reproduced. */
static uint32_t
lcg(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return (*state >> 8);
}

/* Random bytes biased towards the ones that need care. */
static size_t
random_bytes(uint32_t *state, char *s, size_t max)
{
	static const unsigned char	pick[] = {
		'"', '\\', '\n', '\r', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xbf,
		0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
		0xa0, 0x9f, 0x90, 0x8f, 'a', ' '
	};
	size_t				n, i;

	n = lcg(state) % (max + 1);
	for (i = 0; i < n; i++) {
		if (lcg(state) % 2 == 0)
			s[i] = (char)pick[lcg(state) % sizeof(pick)];
		else
			s[i] = (char)(lcg(state) & 0xff);
	}
	return (n);
}

START_TEST(test_buf_add_grows)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	for (i = 0; i < 10000; i++)
		buf_addc(&b, (char)('a' + i % 26));
	buf_add(&b, "xyz", 3);
	buf_adds(&b, "!");
	ck_assert_uint_eq(b.len, 10004);
	ck_assert_uint_gt(b.cap, b.len);
	ck_assert_int_eq(b.p[0], 'a');
	ck_assert_int_eq(b.p[9999], 'a' + 9999 % 26);
	ck_assert_str_eq(b.p + 10000, "xyz!");
	ck_assert_int_eq(b.p[b.len], '\0');
	buf_clear(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
}
END_TEST

START_TEST(test_buf_reset_keeps_memory)
{
	struct buf	 b;
	char		*p;
	size_t		 cap;

	buf_init(&b);
	buf_reset(&b);
	buf_adds(&b, "hello");
	p = b.p;
	cap = b.cap;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_eq(b.p, p);
	ck_assert_uint_eq(b.cap, cap);
	ck_assert_str_eq(b.p, "");
	buf_adds(&b, "x");
	ck_assert_str_eq(b.p, "x");
	buf_clear(&b);
}
END_TEST

START_TEST(test_buf_printf_grows)
{
	struct buf	 b;
	char		 big[5000];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b);
	buf_printf(&b, "%d-%s", 42, "ab");
	ck_assert_str_eq(b.p, "42-ab");
	/* Longer than the free space: the second vsnprintf must run. */
	buf_printf(&b, "[%s]", big);
	ck_assert_uint_eq(b.len, 5 + 2 + sizeof(big) - 1);
	ck_assert_int_eq(b.p[5], '[');
	ck_assert_int_eq(b.p[6], 'z');
	ck_assert_int_eq(b.p[b.len - 2], 'z');
	ck_assert_int_eq(b.p[b.len - 1], ']');
	ck_assert_int_eq(b.p[b.len], '\0');
	buf_printf(&b, "%s", "");
	ck_assert_uint_eq(b.len, 5 + 2 + sizeof(big) - 1);
	buf_clear(&b);
}
END_TEST

static void
check_json_cases(const struct strcase *c, size_t n)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		buf_json_str(&b, c[i].in, c[i].n);
		ck_assert_msg(strcmp(b.p, c[i].out) == 0,
		    "case %zu: got %s, want %s", i, b.p, c[i].out);
	}
	buf_clear(&b);
}

START_TEST(test_buf_json_escapes)
{
	static const struct strcase	c[] = {
		{ S(""), "\"\"" },
		{ NULL, 0, "\"\"" },
		{ S("plain text"), "\"plain text\"" },
		{ S("a\"b\\c"), "\"a\\\"b\\\\c\"" },
		{ S("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"" },
		{ S("\x01\x1f"), "\"\\u0001\\u001f\"" },
		{ S("a\0b"), "\"a\\u0000b\"" },
		{ S("\x7f/<>"), "\"\x7f/<>\"" },
		{ S("C:\\Windows\\System32"), "\"C:\\\\Windows\\\\System32\"" }
	};

	check_json_cases(c, sizeof(c) / sizeof(c[0]));
}
END_TEST

START_TEST(test_buf_json_utf8_valid)
{
	static const struct strcase	c[] = {
		{ S("\xc3\xa9"), "\"\xc3\xa9\"" },
		{ S("\xc2\x80"), "\"\xc2\x80\"" },
		{ S("\xe2\x82\xac"), "\"\xe2\x82\xac\"" },
		{ S("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"" },
		{ S("\xee\x80\x80"), "\"\xee\x80\x80\"" },
		{ S("\xf0\x90\x80\x80"), "\"\xf0\x90\x80\x80\"" },
		{ S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"" },
		{ S("a\xe2\x80\xae\"b"), "\"a\xe2\x80\xae\\\"b\"" }
	};

	check_json_cases(c, sizeof(c) / sizeof(c[0]));
}
END_TEST

/* One U+FFFD per maximal subpart, as Python's decode("replace") gives. */
START_TEST(test_buf_json_utf8_invalid)
{
#define R1	"\\ufffd"
	static const struct strcase	c[] = {
		{ S("\xc0\x80"), "\"" R1 R1 "\"" },		/* overlong */
		{ S("\xc1\xbf"), "\"" R1 R1 "\"" },
		{ S("\xe0\x80\x80"), "\"" R1 R1 R1 "\"" },
		{ S("\xe0\x9f\xbf"), "\"" R1 R1 R1 "\"" },
		{ S("\xf0\x8f\xbf\xbf"), "\"" R1 R1 R1 R1 "\"" },
		{ S("\xed\xa0\x80"), "\"" R1 R1 R1 "\"" },	/* surrogate */
		{ S("\xed\xbf\xbf"), "\"" R1 R1 R1 "\"" },
		{ S("\xf4\x90\x80\x80"), "\"" R1 R1 R1 R1 "\"" }, /* >10FFFF */
		{ S("\xf5\x80\x80\x80"), "\"" R1 R1 R1 R1 "\"" },
		{ S("\xff"), "\"" R1 "\"" },
		{ S("\xfe"), "\"" R1 "\"" },
		{ S("\x80"), "\"" R1 "\"" },			/* lone trail */
		{ S("\xe2\x82"), "\"" R1 "\"" },		/* truncated */
		{ S("\xf0\x9f\x98"), "\"" R1 "\"" },
		{ S("\xf4\x8f\xbf"), "\"" R1 "\"" },
		{ S("\xe2\x82" "A"), "\"" R1 "A\"" },
		{ S("a\xe2\x82\xac" "b\xc3"), "\"a\xe2\x82\xac" "b" R1 "\"" },
		{ S("\xf0\x9f\x98\x80\x80"), "\"\xf0\x9f\x98\x80" R1 "\"" },
		{ S("\xff\xc0\xaf\xed\xa0\x80"), "\"" R1 R1 R1 R1 R1 R1 "\"" }
	};
#undef R1

	check_json_cases(c, sizeof(c) / sizeof(c[0]));
}
END_TEST

/* Whatever the bytes, the result is one JSON string in strict UTF-8. */
START_TEST(test_buf_json_random_is_valid)
{
	struct buf	 b;
	yajl_val	 v;
	char		 in[96], errbuf[256];
	uint32_t	 state = 12345;
	size_t		 i, n, k;

	buf_init(&b);
	for (i = 0; i < 5000; i++) {
		n = random_bytes(&state, in, sizeof(in));
		buf_reset(&b);
		buf_json_str(&b, in, n);
		/* Plain tests: a ck_assert per byte would be very slow. */
		if (!utf8_strict(b.p, b.len))
			ck_abort_msg("iteration %zu: bad UTF-8", i);
		for (k = 0; k < b.len; k++)
			if ((unsigned char)b.p[k] < 0x20)
				ck_abort_msg("iteration %zu: control byte", i);
		v = yajl_tree_parse(b.p, errbuf, sizeof(errbuf));
		if (v == NULL || !YAJL_IS_STRING(v))
			ck_abort_msg("iteration %zu: %s", i, errbuf);
		yajl_tree_free(v);
	}
	buf_clear(&b);
}
END_TEST

static void
check_text_cases(const struct strcase *c, size_t n)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		buf_text_str(&b, c[i].in, c[i].n);
		ck_assert_msg(strcmp(b.p, c[i].out) == 0,
		    "case %zu: got %s, want %s", i, b.p, c[i].out);
	}
	buf_clear(&b);
}

START_TEST(test_buf_text_plain)
{
	static const struct strcase	c[] = {
		{ S(""), "" },
		{ NULL, 0, "" },
		{ S("C:\\Program Files\\a b.exe"), "C:\\Program Files\\a b.exe" },
		{ S("Micro\xc5\x9b\x6f\x66t \xe2\x82\xac \xf0\x9f\x98\x80"),
		    "Micro\xc5\x9b\x6f\x66t \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ S("~!#$%&'()*+,-./:;<=>?@[]^_`{|}"),
		    "~!#$%&'()*+,-./:;<=>?@[]^_`{|}" }
	};

	check_text_cases(c, sizeof(c) / sizeof(c[0]));
}
END_TEST

START_TEST(test_buf_text_escapes)
{
	static const struct strcase	c[] = {
		{ S("a\nb"), "a\\x0ab" },
		{ S("a\r\n"), "a\\x0d\\x0a" },
		{ S("\t\x1b[31m"), "\\x09\\x1b[31m" },
		{ S("a\0b"), "a\\x00b" },
		{ S("say \"hi\""), "say \\x22hi\\x22" },
		{ S("\x7f"), "\\x7f" },
		{ S("\xff\xfe"), "\\xff\\xfe" },
		{ S("\xc0\xaf"), "\\xc0\\xaf" },
		{ S("\xe2\x82"), "\\xe2\\x82" },
		{ S("\xed\xa0\x80"), "\\xed\\xa0\\x80" },
		{ S("\xc2\x9b" "2J"), "\\xc2\\x9b" "2J" },	/* C1 CSI */
		{ S("a\xe2\x80\xae" "fdp.exe"), "a\\xe2\\x80\\xae" "fdp.exe" },
		{ S("x\xe2\x80\xa8y"), "x\\xe2\\x80\\xa8y" },	/* U+2028 */
		{ S("\xef\xbb\xbfz"), "\\xef\\xbb\\xbfz" }	/* BOM */
	};

	check_text_cases(c, sizeof(c) / sizeof(c[0]));
}
END_TEST

/* Random bytes never yield a control byte, a quote or bad UTF-8. */
START_TEST(test_buf_text_random_one_line)
{
	struct buf	 b;
	char		 in[96];
	uint32_t	 state = 777;
	size_t		 i, n, k;
	unsigned char	 c;

	buf_init(&b);
	for (i = 0; i < 5000; i++) {
		n = random_bytes(&state, in, sizeof(in));
		buf_reset(&b);
		buf_text_str(&b, in, n);
		if (!utf8_strict(b.p, b.len))
			ck_abort_msg("iteration %zu: bad UTF-8", i);
		for (k = 0; k < b.len; k++) {
			c = (unsigned char)b.p[k];
			if (c < 0x20 || c == 0x7f || c == '"')
				ck_abort_msg("iteration %zu: byte %zu is %#x",
				    i, k, c);
		}
	}
	buf_clear(&b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_add_test(tc, test_buf_add_grows);
	tcase_add_test(tc, test_buf_reset_keeps_memory);
	tcase_add_test(tc, test_buf_printf_grows);
	tcase_add_test(tc, test_buf_json_escapes);
	tcase_add_test(tc, test_buf_json_utf8_valid);
	tcase_add_test(tc, test_buf_json_utf8_invalid);
	tcase_add_test(tc, test_buf_json_random_is_valid);
	tcase_add_test(tc, test_buf_text_plain);
	tcase_add_test(tc, test_buf_text_escapes);
	tcase_add_test(tc, test_buf_text_random_one_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
