/*
 * Unit tests for outq.c: the memory ring (order, drop-oldest, a batch in
 * flight losing records) and the spool (only synced records are read,
 * the delivered position survives a reopen, a torn or corrupt tail ends
 * its segment without hiding what comes after, segments roll over and
 * delivered ones are removed, a full spool refuses).
 */
#define _POSIX_C_SOURCE	200809L

#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "outq.h"

static char	tmpdir[64];

static void
tmp_dir(void)
{
	strcpy(tmpdir, "/tmp/check_outq.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
rm_dir(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 p[320];

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(tmpdir);
}

/* How many segment files the spool directory holds. */
static int
nsegs(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir(tmpdir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".seg") != NULL;
	closedir(d);
	return (n);
}

static void
push_s(struct outq *q, const char *s, int64_t t)
{
	ck_assert_int_ge(outq_push(q, s, strlen(s), t), 0);
}

static void
assert_item(const struct outq_item *it, const char *s, int64_t t)
{
	ck_assert_uint_eq(it->len, strlen(s));
	ck_assert_int_eq(memcmp(it->p, s, it->len), 0);
	ck_assert_int_eq(it->time, t);
}

START_TEST(test_outq_mem_fifo)
{
	struct outq		*q = outq_new(10);
	const struct outq_item	*it;

	push_s(q, "one", 1);
	push_s(q, "two", 2);
	push_s(q, "three", 3);
	ck_assert_uint_eq(outq_depth(q), 3);
	ck_assert_uint_eq(outq_peek(q, 2, SIZE_MAX, &it), 2);
	assert_item(&it[0], "one", 1);
	assert_item(&it[1], "two", 2);
	/* A failed delivery peeks the same batch again. */
	ck_assert_uint_eq(outq_peek(q, 2, SIZE_MAX, &it), 2);
	assert_item(&it[0], "one", 1);
	ck_assert_uint_eq(outq_pop(q), 2);
	ck_assert_uint_eq(outq_depth(q), 1);
	ck_assert_uint_eq(outq_peek(q, 5, SIZE_MAX, &it), 1);
	assert_item(&it[0], "three", 3);
	ck_assert_uint_eq(outq_pop(q), 1);
	ck_assert_uint_eq(outq_pop(q), 0);
	ck_assert_uint_eq(outq_peek(q, 5, SIZE_MAX, &it), 0);
	ck_assert(!outq_is_spool(q));
	outq_free(q);
}
END_TEST

START_TEST(test_outq_mem_drops_oldest)
{
	struct outq		*q = outq_new(3);
	const struct outq_item	*it;
	char			 s[8];
	int			 i;

	for (i = 0; i < 3; i++) {
		snprintf(s, sizeof(s), "a%d", i);
		ck_assert_int_eq(outq_push(q, s, strlen(s), i), 0);
	}
	ck_assert_int_eq(outq_push(q, "a3", 2, 3), 1);
	ck_assert_int_eq(outq_push(q, "a4", 2, 4), 1);
	ck_assert_uint_eq(outq_depth(q), 3);
	ck_assert_uint_eq(outq_peek(q, 10, SIZE_MAX, &it), 3);
	assert_item(&it[0], "a2", 2);
	assert_item(&it[2], "a4", 4);
	outq_free(q);
}
END_TEST

/* The oldest pushed out while in flight: only the rest of it pops. */
START_TEST(test_outq_mem_drop_in_flight)
{
	struct outq		*q = outq_new(2);
	const struct outq_item	*it;

	push_s(q, "a", 1);
	push_s(q, "b", 2);
	ck_assert_uint_eq(outq_peek(q, 2, SIZE_MAX, &it), 2);
	ck_assert_int_eq(outq_push(q, "c", 1, 3), 1);
	ck_assert_uint_eq(outq_pop(q), 1);
	ck_assert_uint_eq(outq_depth(q), 1);
	ck_assert_uint_eq(outq_peek(q, 2, SIZE_MAX, &it), 1);
	assert_item(&it[0], "c", 3);
	outq_free(q);
}
END_TEST

START_TEST(test_outq_spool_reopen)
{
	struct outq		*q;
	const struct outq_item	*it;
	char			 err[256];
	size_t			 lost;

	tmp_dir();
	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert(outq_is_spool(q));
	push_s(q, "first", 10);
	push_s(q, "second", 20);
	push_s(q, "third", 30);
	ck_assert_uint_eq(outq_depth(q), 3);
	ck_assert_uint_eq(outq_unsynced(q), 3);
	/* Not on disk yet: not to be sent. */
	ck_assert_uint_eq(outq_peek(q, 10, SIZE_MAX, &it), 0);
	ck_assert_int_eq(outq_sync(q, &lost), 0);
	ck_assert_uint_eq(lost, 0);
	ck_assert_uint_eq(outq_unsynced(q), 0);
	ck_assert_uint_eq(outq_peek(q, 2, SIZE_MAX, &it), 2);
	assert_item(&it[0], "first", 10);
	assert_item(&it[1], "second", 20);
	ck_assert_uint_eq(outq_pop(q), 2);
	outq_free(q);

	/* A restart finds the third, and only it. */
	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_uint_eq(outq_depth(q), 1);
	ck_assert_uint_eq(outq_peek(q, 10, SIZE_MAX, &it), 1);
	assert_item(&it[0], "third", 30);
	push_s(q, "fourth", 40);
	ck_assert_int_eq(outq_sync(q, &lost), 0);
	ck_assert_uint_eq(outq_peek(q, 10, SIZE_MAX, &it), 2);
	assert_item(&it[0], "third", 30);
	assert_item(&it[1], "fourth", 40);
	ck_assert_uint_eq(outq_pop(q), 2);
	ck_assert_uint_eq(outq_depth(q), 0);
	outq_free(q);

	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_uint_eq(outq_depth(q), 0);
	outq_free(q);
	rm_dir();
}
END_TEST

/* The path of the one segment file in the spool. */
static void
seg_path(char *buf, size_t len)
{
	DIR		*d;
	struct dirent	*de;

	buf[0] = '\0';
	d = opendir(tmpdir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg") != NULL)
			snprintf(buf, len, "%s/%s", tmpdir, de->d_name);
	closedir(d);
	ck_assert(buf[0] != '\0');
}

/* A kill -9 in the middle of a write: the whole records are kept. */
START_TEST(test_outq_spool_torn_tail)
{
	struct outq		*q;
	const struct outq_item	*it;
	char			 err[256], path[320];
	size_t			 lost;
	int			 fd;

	tmp_dir();
	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	push_s(q, "alpha", 1);
	push_s(q, "beta", 2);
	ck_assert_int_eq(outq_sync(q, &lost), 0);
	outq_free(q);
	seg_path(path, sizeof(path));
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\x47\x53\0\0\x40\0\0\0tor", 11), 11);
	close(fd);

	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_uint_eq(outq_depth(q), 2);
	push_s(q, "gamma", 3);
	ck_assert_int_eq(outq_sync(q, &lost), 0);
	ck_assert_uint_eq(outq_peek(q, 10, SIZE_MAX, &it), 3);
	assert_item(&it[0], "alpha", 1);
	assert_item(&it[1], "beta", 2);
	assert_item(&it[2], "gamma", 3);
	ck_assert_uint_eq(outq_pop(q), 3);
	outq_free(q);
	rm_dir();
}
END_TEST

/* A record whose checksum fails ends its segment there. */
START_TEST(test_outq_spool_corrupt)
{
	struct outq		*q;
	const struct outq_item	*it;
	char			 err[256], path[320];
	size_t			 lost;
	int			 fd;

	tmp_dir();
	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	push_s(q, "good", 1);
	push_s(q, "bad!", 2);
	push_s(q, "lost", 3);
	ck_assert_int_eq(outq_sync(q, &lost), 0);
	outq_free(q);
	seg_path(path, sizeof(path));
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	/* Record 2's payload starts at 20 + 4 + 20. */
	ck_assert_int_eq(pwrite(fd, "B", 1, 44), 1);
	close(fd);
	q = outq_spool_open(tmpdir, 1 << 20, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_uint_eq(outq_depth(q), 1);
	ck_assert_uint_eq(outq_peek(q, 10, SIZE_MAX, &it), 1);
	assert_item(&it[0], "good", 1);
	outq_free(q);
	rm_dir();
}
END_TEST

/* Segments roll over at 4M; delivered ones are removed. */
START_TEST(test_outq_spool_segments)
{
	struct outq		*q;
	const struct outq_item	*it;
	char			 err[256], *big;
	size_t			 lost, n, total = 0;
	int			 i;

	tmp_dir();
	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	q = outq_spool_open(tmpdir, 64 << 20, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	for (i = 0; i < 10; i++) {
		memset(big, 'a' + i, 1 << 20);
		ck_assert_int_eq(outq_push(q, big, 1 << 20, i), 0);
		ck_assert_int_eq(outq_sync(q, &lost), 0);
	}
	ck_assert_int_ge(nsegs(), 3);
	while ((n = outq_peek(q, 3, 2 << 20, &it)) > 0) {
		ck_assert_uint_le(n, 2);
		ck_assert_int_eq(it[0].p[0], (char)('a' + total));
		ck_assert_int_eq(it[0].time, (int64_t)total);
		total += outq_pop(q);
	}
	ck_assert_uint_eq(total, 10);
	ck_assert_int_eq(nsegs(), 1);
	outq_free(q);
	free(big);
	rm_dir();
}
END_TEST

START_TEST(test_outq_spool_full)
{
	struct outq	*q;
	char		 err[256];

	tmp_dir();
	q = outq_spool_open(tmpdir, 110, err, sizeof(err));
	ck_assert_msg(q != NULL, "%s", err);
	ck_assert_int_eq(outq_push(q, "0123456789012345678901234567890", 31,
	    1), 0);
	ck_assert_int_eq(outq_push(q, "0123456789012345678901234567890", 31,
	    2), 0);
	ck_assert_int_eq(outq_push(q, "0123456789012345678901234567890", 31,
	    3), -1);
	ck_assert_uint_eq(outq_depth(q), 2);
	outq_free(q);
	rm_dir();
}
END_TEST

START_TEST(test_outq_spool_bad_dir)
{
	char	 err[256];

	ck_assert_ptr_null(outq_spool_open("/nonexistent-signetd/x/y",
	    1 << 20, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent-signetd/x/y"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("outq");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 nf;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_outq_mem_fifo);
	tcase_add_test(tc, test_outq_mem_drops_oldest);
	tcase_add_test(tc, test_outq_mem_drop_in_flight);
	tcase_add_test(tc, test_outq_spool_reopen);
	tcase_add_test(tc, test_outq_spool_torn_tail);
	tcase_add_test(tc, test_outq_spool_corrupt);
	tcase_add_test(tc, test_outq_spool_segments);
	tcase_add_test(tc, test_outq_spool_full);
	tcase_add_test(tc, test_outq_spool_bad_dir);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
