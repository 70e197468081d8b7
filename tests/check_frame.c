/*
 * signetd: unit tests for frame.c. A small "caller" below keeps the
 * unconsumed tail the way a listener's buffer does, so every test can be
 * run with the stream cut into pieces of any size.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "frame.h"
#include "xmalloc.h"

/* Messages seen by the callback, each stored as "<len>:<bytes>". */
struct sink {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 count;
	size_t	 maxlen;	/* longest message delivered */
	size_t	 zero;		/* empty messages delivered: a bug */
};

/*
 * Callers made while this is set keep a NUL after the bytes they hand
 * over and say so (struct framer's nul_end), as --replay does; the
 * "nul_end" test case runs every test that way.
 */
static int	 nul_end;

/* A caller: a buffer of max + 11 bytes, fed in chunks of a fixed size. */
struct caller {
	struct framer	 fr;
	char		*buf;
	size_t		 cap;
	size_t		 used;
	struct sink	 sink;
};

static void
sink_cb(void *arg, const char *msg, size_t n)
{
	struct sink	*s = arg;
	char		 hdr[32];
	int		 h;

	h = snprintf(hdr, sizeof(hdr), "%zu:", n);
	if (s->len + (size_t)h + n + 1 > s->cap) {
		s->cap = (s->len + (size_t)h + n + 1) * 2;
		s->data = xreallocarray(s->data, 1, s->cap);
	}
	memcpy(s->data + s->len, hdr, (size_t)h);
	memcpy(s->data + s->len + (size_t)h, msg, n);
	s->len += (size_t)h + n;
	s->data[s->len] = '\0';
	s->count++;
	if (n > s->maxlen)
		s->maxlen = n;
	if (n == 0)
		s->zero++;
}

static void
caller_init(struct caller *c, enum frame_mode mode, size_t max)
{
	memset(c, 0, sizeof(*c));
	frame_init(&c->fr, mode, max);
	c->fr.nul_end = nul_end;
	c->cap = max + 11;
	c->buf = xmalloc(c->cap);
}

/*
 * Feed the buffered bytes from an exactly sized copy (and its NUL, for a
 * nul_end caller), so that ASan sees a read past what we handed over, and
 * keep the tail.
 */
static void
caller_run(struct caller *c, int eof)
{
	char	*copy;
	size_t	 n;

	if (c->fr.nul_end) {
		copy = xmalloc(c->used + 1);
		memcpy(copy, c->buf, c->used);
		copy[c->used] = '\0';
	} else
		copy = xmemdup(c->buf, c->used > 0 ? c->used : 1);
	if (eof) {
		frame_eof(&c->fr, copy, c->used, sink_cb, &c->sink);
		n = c->used;
	} else
		n = frame_feed(&c->fr, copy, c->used, sink_cb, &c->sink);
	free(copy);
	if (n > c->used)
		ck_abort_msg("consumed %zu of %zu bytes", n, c->used);
	memmove(c->buf, c->buf + n, c->used - n);
	c->used -= n;
}

static void
caller_push(struct caller *c, const char *p, size_t len, size_t chunk)
{
	size_t	k;

	while (len > 0) {
		k = chunk < len ? chunk : len;
		if (k > c->cap - c->used)
			k = c->cap - c->used;
		if (k == 0)
			ck_abort_msg("buffer full of %zu bytes, no progress",
			    c->used);
		memcpy(c->buf + c->used, p, k);
		c->used += k;
		p += k;
		len -= k;
		caller_run(c, 0);
	}
}

static void
caller_free(struct caller *c)
{
	free(c->buf);
	free(c->sink.data);
}

/* Run a whole stream through a new caller, then end it. */
static void
run(struct caller *c, enum frame_mode mode, size_t max, const char *p,
    size_t len, size_t chunk)
{
	caller_init(c, mode, max);
	caller_push(c, p, len, chunk);
	caller_run(c, 1);
}

#define RUN(c, mode, max, lit, chunk) \
	run((c), (mode), (max), (lit), sizeof(lit) - 1, (chunk))

static const char *
msgs(struct caller *c)
{
	return (c->sink.data != NULL ? c->sink.data : "");
}

static void
assert_stats(const struct frame_stats *st, uint64_t frames, uint64_t bytes,
    uint64_t too_long, uint64_t bad, uint64_t truncated, uint64_t empty)
{
	ck_assert_uint_eq(st->frames, frames);
	ck_assert_uint_eq(st->bytes, bytes);
	ck_assert_uint_eq(st->too_long, too_long);
	ck_assert_uint_eq(st->bad_frame, bad);
	ck_assert_uint_eq(st->truncated, truncated);
	ck_assert_uint_eq(st->empty, empty);
}

START_TEST(test_frame_lf_terminators)
{
	struct caller	c;

	RUN(&c, FRAME_UNKNOWN, 64, "{a}\n{bb}\r\n{ccc}\0{dd}\r\0x\r\r\n", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_LF);
	ck_assert_str_eq(msgs(&c), "3:{a}4:{bb}5:{ccc}4:{dd}2:x\r");
	assert_stats(&c.fr.st, 5, 18, 0, 0, 0, 0);
	caller_free(&c);
}
END_TEST

START_TEST(test_frame_lf_empty_lines)
{
	struct caller	c;

	/* Leading blank lines, blank lines between, a CR-only line. */
	RUN(&c, FRAME_UNKNOWN, 64, "\n\r\n{a}\n\n\r\n\0{b}", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_LF);
	ck_assert_str_eq(msgs(&c), "3:{a}3:{b}");
	assert_stats(&c.fr.st, 2, 6, 0, 0, 0, 5);
	caller_free(&c);
}
END_TEST

START_TEST(test_frame_lf_last_line_at_eof)
{
	struct caller	c;

	RUN(&c, FRAME_LF, 64, "{a}\n{b}\r", 64);
	ck_assert_str_eq(msgs(&c), "3:{a}3:{b}");
	assert_stats(&c.fr.st, 2, 6, 0, 0, 0, 0);
	caller_free(&c);

	RUN(&c, FRAME_LF, 64, "{a}\n", 64);
	ck_assert_str_eq(msgs(&c), "3:{a}");
	assert_stats(&c.fr.st, 1, 3, 0, 0, 0, 0);
	caller_free(&c);
}
END_TEST

START_TEST(test_frame_detect)
{
	struct caller	c;

	RUN(&c, FRAME_UNKNOWN, 64, "<13>Sep  2 01:43:49 h t: {}\n", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_LF);
	caller_free(&c);
	RUN(&c, FRAME_UNKNOWN, 64, "0 {}\n", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_LF);
	ck_assert_str_eq(msgs(&c), "4:0 {}");
	caller_free(&c);
	RUN(&c, FRAME_UNKNOWN, 64, "\r\n \t9 123456789", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_OCTET);
	ck_assert_str_eq(msgs(&c), "9:123456789");
	assert_stats(&c.fr.st, 1, 9, 0, 0, 0, 1);
	caller_free(&c);

	/* Nothing but white space decides nothing. */
	RUN(&c, FRAME_UNKNOWN, 64, " \r\n\t", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_UNKNOWN);
	assert_stats(&c.fr.st, 0, 0, 0, 0, 0, 1);
	caller_free(&c);
}
END_TEST

START_TEST(test_frame_octet_basic)
{
	struct caller	c;

	RUN(&c, FRAME_UNKNOWN, 64, "5 hello6 world!3 a\nb", 64);
	ck_assert_int_eq(c.fr.mode, FRAME_OCTET);
	ck_assert_str_eq(msgs(&c), "5:hello6:world!3:a\nb");
	assert_stats(&c.fr.st, 3, 14, 0, 0, 0, 0);
	caller_free(&c);
}
END_TEST

/* A frame exactly as util-linux logger --octet-count sends it. */
START_TEST(test_frame_octet_logger)
{
	static const char stream[] =
	    "98 <13>1 2026-11-30T00:50:26.899062+00:00 vm nxlog - - "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"] {\"a\":1}"
	    "98 <13>1 2026-11-30T00:50:26.899063+00:00 vm nxlog - - "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"] {\"a\":2}";
	struct caller	c;

	RUN(&c, FRAME_UNKNOWN, 1024, stream, 7);
	ck_assert_uint_eq(c.fr.st.frames, 2);
	ck_assert_uint_eq(c.fr.st.bytes, 196);
	ck_assert_uint_eq(c.fr.st.bad_frame, 0);
	ck_assert_ptr_nonnull(strstr(msgs(&c), "98:<13>1 "));
	ck_assert_ptr_nonnull(strstr(msgs(&c), "{\"a\":1}98:<13>1 "));
	caller_free(&c);
}
END_TEST

/* Some senders put LF (or CR LF, or NUL) after each counted frame. */
START_TEST(test_frame_octet_trailers)
{
	struct caller	c;

	RUN(&c, FRAME_OCTET, 64, "5 hello\n6 world!\r\n1 x\0", 64);
	ck_assert_str_eq(msgs(&c), "5:hello6:world!1:x");
	assert_stats(&c.fr.st, 3, 12, 0, 0, 0, 0);
	caller_free(&c);
}
END_TEST

START_TEST(test_frame_octet_zero_length)
{
	struct caller	c;

	RUN(&c, FRAME_OCTET, 64, "0 5 hello0 ", 64);
	ck_assert_str_eq(msgs(&c), "5:hello");
	assert_stats(&c.fr.st, 1, 5, 0, 0, 0, 2);
	caller_free(&c);
}
END_TEST

/*
 * Counts that do not parse: the rest of the line is dropped, the frame
 * counted once as bad, and the next line is framed again.
 */
START_TEST(test_frame_octet_bad_counts)
{
	static const char *bad[] = {
		"abc garbage\n", "05 hello\n", "00 \n", "5x hello\n",
		"5\n", " 5 hello\n", "-5 hello\n", "12345678901 hello\n",
		"5\t\n", "abc \n",
	};
	struct caller	c;
	char		stream[128];
	size_t		i;
	int		n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(stream, sizeof(stream), "5 first%s4 next", bad[i]);
		run(&c, FRAME_OCTET, 64, stream, (size_t)n, 64);
		ck_assert_msg(strcmp(msgs(&c), "5:first4:next") == 0,
		    "case %zu: %s", i, msgs(&c));
		assert_stats(&c.fr.st, 2, 9, 0, 1, 0, 0);
		caller_free(&c);
	}

	/* No LF yet: garbage is skipped as it arrives, across pieces. */
	RUN(&c, FRAME_OCTET, 16, "2 okxyzxyzxyzxyzxyzxyzxyzxyzxyz\n2 ok", 3);
	ck_assert_str_eq(msgs(&c), "2:ok2:ok");
	assert_stats(&c.fr.st, 2, 4, 0, 1, 0, 0);
	caller_free(&c);
}
END_TEST

/* Ten digits are read; a count above max is skipped without buffering. */
START_TEST(test_frame_octet_too_long)
{
	static char	 zeros[1 << 20];
	struct framer	 fr;
	struct sink	 s = { 0 };
	const char	 hdr[] = "999999999 abc";
	const char	 next[] = "4 next";
	uint64_t	 left = 999999999 - 3;
	size_t		 n;

	frame_init(&fr, FRAME_UNKNOWN, 64 * 1024);
	ck_assert_uint_eq(frame_feed(&fr, hdr, sizeof(hdr) - 1, sink_cb, &s),
	    sizeof(hdr) - 1);
	ck_assert_uint_eq(fr.st.too_long, 1);
	ck_assert_uint_eq(fr.skip, left);
	while (left > 0) {
		n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
		ck_assert_uint_eq(frame_feed(&fr, zeros, n, sink_cb, &s), n);
		left -= n;
	}
	ck_assert_uint_eq(fr.skip, 0);
	ck_assert_uint_eq(frame_feed(&fr, next, sizeof(next) - 1, sink_cb,
	    &s), sizeof(next) - 1);
	ck_assert_str_eq(s.data, "4:next");
	ck_assert_uint_eq(fr.st.too_long, 1);
	ck_assert_uint_eq(fr.st.frames, 1);
	free(s.data);
	memset(&s, 0, sizeof(s));

	/* 10 digits is still a count, refused by max. */
	frame_init(&fr, FRAME_OCTET, 64);
	ck_assert_uint_eq(frame_feed(&fr, "9999999999 ab", 13, sink_cb, &s),
	    13);
	ck_assert_uint_eq(fr.st.too_long, 1);
	ck_assert_uint_eq(fr.st.bad_frame, 0);
	ck_assert_uint_eq(fr.skip, UINT64_C(9999999999) - 2);
}
END_TEST

START_TEST(test_frame_octet_too_long_split)
{
	struct caller	c;
	char		stream[200];
	int		n;

	memset(stream, 'x', sizeof(stream));
	n = snprintf(stream, sizeof(stream), "100 ");
	stream[n] = 'x';
	memcpy(stream + n + 100, "4 next", 6);
	run(&c, FRAME_OCTET, 16, stream, (size_t)n + 106, 5);
	ck_assert_str_eq(msgs(&c), "4:next");
	assert_stats(&c.fr.st, 1, 4, 1, 0, 0, 0);
	caller_free(&c);
}
END_TEST

/* A 1 MiB line with a 64 KiB max is dropped whole, the next line kept. */
START_TEST(test_frame_lf_huge_line)
{
	struct caller	 c;
	size_t		 big = 1 << 20, chunks[] = { 1000, 4096, 65536 + 11 };
	char		*stream;
	size_t		 i;

	stream = xmalloc(big + 32);
	memset(stream, 'A', big);
	memcpy(stream, "{\"a\":\"", 6);
	memcpy(stream + big, "\r\n{\"next\":1}\n", 13);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run(&c, FRAME_UNKNOWN, 64 * 1024, stream, big + 13, chunks[i]);
		ck_assert_str_eq(msgs(&c), "10:{\"next\":1}");
		assert_stats(&c.fr.st, 1, 10, 1, 0, 0, 0);
		caller_free(&c);
	}
	free(stream);
}
END_TEST

/* max bytes is accepted with LF or CR LF, in any pieces; max + 1 is not. */
START_TEST(test_frame_lf_max_boundary)
{
	static const char *streams[] = {
		"12345678\n123456789\nok\n", "12345678\r\n123456789\r\nok\r\n",
		"12345678\r\n123456789\r\nok",
	};
	struct caller	c;
	size_t		i, chunk;

	for (i = 0; i < sizeof(streams) / sizeof(streams[0]); i++)
		for (chunk = 1; chunk <= 19; chunk++) {
			run(&c, FRAME_LF, 8, streams[i], strlen(streams[i]),
			    chunk);
			ck_assert_str_eq(msgs(&c), "8:123456782:ok");
			assert_stats(&c.fr.st, 2, 10, 1, 0, 0, 0);
			caller_free(&c);
		}
}
END_TEST

START_TEST(test_frame_eof_truncated)
{
	struct caller	c;

	RUN(&c, FRAME_OCTET, 64, "5 hello10 abc", 64);
	ck_assert_str_eq(msgs(&c), "5:hello");
	assert_stats(&c.fr.st, 1, 5, 0, 0, 1, 0);
	caller_free(&c);

	RUN(&c, FRAME_OCTET, 64, "5 hello12", 64);
	assert_stats(&c.fr.st, 1, 5, 0, 0, 1, 0);
	caller_free(&c);

	/* Only a trailer after the last frame: nothing is missing. */
	RUN(&c, FRAME_OCTET, 64, "5 hello\r\n", 64);
	assert_stats(&c.fr.st, 1, 5, 0, 0, 0, 0);
	caller_free(&c);
}
END_TEST

/* An empty read and an empty stream are no frames at all. */
START_TEST(test_frame_empty_input)
{
	struct framer	fr;
	struct sink	s = { 0 };
	int		mode;

	for (mode = FRAME_UNKNOWN; mode <= FRAME_LF; mode++) {
		frame_init(&fr, (enum frame_mode)mode, 64);
		ck_assert_uint_eq(frame_feed(&fr, NULL, 0, sink_cb, &s), 0);
		frame_eof(&fr, NULL, 0, sink_cb, &s);
		ck_assert_int_eq(fr.mode, mode);
		assert_stats(&fr.st, 0, 0, 0, 0, 0, 0);
	}
	ck_assert_uint_eq(s.count, 0);
}
END_TEST

/*
 * The same stream cut at every byte boundary, and fed one byte at a time,
 * gives the same messages and counters as in one piece.
 */
static void
check_splits(enum frame_mode mode, size_t max, const char *p, size_t len)
{
	struct caller	whole, c;
	size_t		k;

	run(&whole, mode, max, p, len, len);
	for (k = 0; k <= len; k++) {
		caller_init(&c, mode, max);
		caller_push(&c, p, k, len);
		caller_push(&c, p + k, len - k, len);
		caller_run(&c, 1);
		ck_assert_msg(strcmp(msgs(&c), msgs(&whole)) == 0,
		    "split at %zu: %s", k, msgs(&c));
		ck_assert_mem_eq(&c.fr.st, &whole.fr.st, sizeof(c.fr.st));
		caller_free(&c);
	}
	run(&c, mode, max, p, len, 1);
	ck_assert_str_eq(msgs(&c), msgs(&whole));
	ck_assert_mem_eq(&c.fr.st, &whole.fr.st, sizeof(c.fr.st));
	caller_free(&c);
	caller_free(&whole);
}

START_TEST(test_frame_split_everywhere)
{
	static const char lf[] = "\n{\"a\":1}\r\n\r\n{\"b\":\"x y\"}\0"
	    "<13>Sep  2 01:43:49 host tag: {}\n"
	    "0123456789012345678901234567890123456789\n{\"c\":3}";
	static const char oct[] = "7 {\"a\":1}0 11 {\"b\":\"x\ny\"}\n"
	    "abc garbage\n30 012345678901234567890123456789"
	    "2 {}7 {\"c\":3}";
	struct caller	c;

	check_splits(FRAME_UNKNOWN, 32, lf, sizeof(lf) - 1);
	check_splits(FRAME_UNKNOWN, 24, oct, sizeof(oct) - 1);

	run(&c, FRAME_UNKNOWN, 32, lf, sizeof(lf) - 1, 1);
	ck_assert_str_eq(msgs(&c), "7:{\"a\":1}11:{\"b\":\"x y\"}"
	    "32:<13>Sep  2 01:43:49 host tag: {}7:{\"c\":3}");
	assert_stats(&c.fr.st, 4, 57, 1, 0, 0, 2);
	caller_free(&c);
	run(&c, FRAME_UNKNOWN, 24, oct, sizeof(oct) - 1, 1);
	ck_assert_str_eq(msgs(&c), "7:{\"a\":1}11:{\"b\":\"x\ny\"}"
	    "2:{}7:{\"c\":3}");
	assert_stats(&c.fr.st, 4, 27, 1, 1, 0, 1);
	caller_free(&c);
}
END_TEST

/*
 * Hostile input: seeded random streams over an alphabet rich in framing
 * bytes, random max and random piece sizes. Delivered messages are never
 * empty nor longer than max, and the result never depends on how the
 * stream was cut.
 */
START_TEST(test_frame_hostile)
{
	static const char	 alpha[] = "0123456789  \r\n\n{}a";
	struct caller		 whole, c;
	char			 stream[512];
	uint64_t		 x = 42;
	size_t			 len, max, j, chunk;
	enum frame_mode		 mode;
	int			 i;

	for (i = 0; i < 3000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (x >> 33) % sizeof(stream);
		max = 1 + (x >> 20) % 40;
		mode = (enum frame_mode)((x >> 10) % 3);
		for (j = 0; j < len; j++) {
			x = x * 6364136223846793005ULL + 1;
			stream[j] = i % 4 == 0 ? (char)(x >> 56) :
			    alpha[(x >> 40) % sizeof(alpha)];
		}
		chunk = 1 + (x >> 50) % (max + 11);
		run(&whole, mode, max, stream, len, max + 11);
		run(&c, mode, max, stream, len, chunk);
		if (strcmp(msgs(&c), msgs(&whole)) != 0 ||
		    memcmp(&c.fr.st, &whole.fr.st, sizeof(c.fr.st)) != 0)
			ck_abort_msg("case %d: chunk %zu changes the result",
			    i, chunk);
		if (c.sink.maxlen > max || c.fr.st.frames != c.sink.count)
			ck_abort_msg("case %d: bad delivery", i);
		if (c.sink.zero > 0)
			ck_abort_msg("case %d: empty message delivered", i);
		caller_free(&whole);
		caller_free(&c);
	}
}
END_TEST

/*
 * A framer told that a NUL follows the data (--replay's) cuts every
 * stream exactly as one that is not: the hostile streams of
 * test_frame_hostile, NUL bytes included, in both ways.
 */
START_TEST(test_frame_nul_end_same)
{
	static const char	 alpha[] = "0123456789  \r\n\n{}a\0";
	struct caller		 plain, c;
	char			 stream[512];
	uint64_t		 x = 7;
	size_t			 len, max, j, chunk;
	enum frame_mode		 mode;
	int			 i;

	for (i = 0; i < 3000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (x >> 33) % sizeof(stream);
		max = 1 + (x >> 20) % 40;
		mode = (enum frame_mode)((x >> 10) % 3);
		for (j = 0; j < len; j++) {
			x = x * 6364136223846793005ULL + 1;
			stream[j] = i % 4 == 0 ? (char)(x >> 56) :
			    alpha[(x >> 40) % (sizeof(alpha) - 1)];
		}
		chunk = 1 + (x >> 50) % (max + 11);
		nul_end = 0;
		run(&plain, mode, max, stream, len, chunk);
		nul_end = 1;
		run(&c, mode, max, stream, len, chunk);
		if (strcmp(msgs(&c), msgs(&plain)) != 0 ||
		    memcmp(&c.fr.st, &plain.fr.st, sizeof(c.fr.st)) != 0)
			ck_abort_msg("case %d: nul_end changes the result", i);
		caller_free(&plain);
		caller_free(&c);
	}
}
END_TEST

static void
nul_end_on(void)
{
	nul_end = 1;
}

int
main(void)
{
	Suite	*s = suite_create("frame");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_frame_lf_terminators);
	tcase_add_test(tc, test_frame_lf_empty_lines);
	tcase_add_test(tc, test_frame_lf_last_line_at_eof);
	tcase_add_test(tc, test_frame_detect);
	tcase_add_test(tc, test_frame_octet_basic);
	tcase_add_test(tc, test_frame_octet_logger);
	tcase_add_test(tc, test_frame_octet_trailers);
	tcase_add_test(tc, test_frame_octet_zero_length);
	tcase_add_test(tc, test_frame_octet_bad_counts);
	tcase_add_test(tc, test_frame_octet_too_long);
	tcase_add_test(tc, test_frame_octet_too_long_split);
	tcase_add_test(tc, test_frame_lf_huge_line);
	tcase_add_test(tc, test_frame_lf_max_boundary);
	tcase_add_test(tc, test_frame_eof_truncated);
	tcase_add_test(tc, test_frame_empty_input);
	tcase_add_test(tc, test_frame_split_everywhere);
	tcase_add_test(tc, test_frame_hostile);
	tcase_add_test(tc, test_frame_nul_end_same);
	suite_add_tcase(s, tc);
	/* the same tests, with callers that keep a NUL after the data */
	tc = tcase_create("nul_end");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, nul_end_on, NULL);
	tcase_add_test(tc, test_frame_lf_terminators);
	tcase_add_test(tc, test_frame_lf_empty_lines);
	tcase_add_test(tc, test_frame_lf_last_line_at_eof);
	tcase_add_test(tc, test_frame_detect);
	tcase_add_test(tc, test_frame_octet_basic);
	tcase_add_test(tc, test_frame_octet_logger);
	tcase_add_test(tc, test_frame_octet_trailers);
	tcase_add_test(tc, test_frame_octet_zero_length);
	tcase_add_test(tc, test_frame_octet_bad_counts);
	tcase_add_test(tc, test_frame_octet_too_long);
	tcase_add_test(tc, test_frame_octet_too_long_split);
	tcase_add_test(tc, test_frame_lf_huge_line);
	tcase_add_test(tc, test_frame_lf_max_boundary);
	tcase_add_test(tc, test_frame_eof_truncated);
	tcase_add_test(tc, test_frame_empty_input);
	tcase_add_test(tc, test_frame_split_everywhere);
	tcase_add_test(tc, test_frame_hostile);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
