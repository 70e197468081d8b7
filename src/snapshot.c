/*
 * signetd: the state file (see snapshot.h).
 *
 * Layout, all integers little-endian:
 *
 *	header	 "SIGNETD\0", u32 version (1), u32 flags (0)
 *	section* u32 tag, u64 length, length bytes
 *	trailer	 u32 CRC-32C (Castagnoli) of every byte before it
 *
 * The sections, in this order: STRS (every interned string the state
 * refers to, once: u64 count, then u32 length and bytes each; elsewhere a
 * string is its u32 index + 1, 0 for none), PARM (the rule parameters the
 * state was built under), ENGN, NJKY, NJPR, ILWN, END. engine.c,
 * netjoin.c and imageload.c write and read their own sections.
 *
 * The writer streams into a FILE: a section's length is found by running
 * its writer once in counting mode, so a save needs no copy of the state
 * in memory. The reader maps the file and checks magic, version and CRC
 * before it parses a byte; even so every length and count it reads is
 * checked against the bytes that are left, so a file that passes the CRC
 * by design or chance still cannot make it read out of bounds or allocate
 * more than the file's size over the smallest record.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "htab.h"
#include "log.h"
#include "snapshot.h"
#include "xmalloc.h"

/* Generated for the reflected polynomial 0x82f63b78. */
static const uint32_t snapshot_crctab[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
	0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
	0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
	0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
	0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
	0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
	0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
	0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
	0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
	0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
	0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
	0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
	0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
	0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
	0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
	0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
	0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
	0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
	0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
	0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
	0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
	0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
	0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
	0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
	0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
	0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
	0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
	0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
	0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
	0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
	0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
	0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
	0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
	0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
	0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
	0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
	0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t
snapshot_crc32c(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t	*p = buf;

	crc = ~crc;
	while (n-- > 0)
		crc = snapshot_crctab[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return (~crc);
}

/* --- writer ----------------------------------------------------------- */

void
snapshot_w_init(struct snapshot_w *w, FILE *fp, const struct intern *in)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->in = in;
}

void
snapshot_w_clear(struct snapshot_w *w)
{
	free(w->sid);
	w->sid = NULL;
}

void
snapshot_put(struct snapshot_w *w, const void *p, size_t n)
{
	w->n += n;
	if (w->fp == NULL || w->err || n == 0)
		return;
	w->crc = snapshot_crc32c(w->crc, p, n);
	if (fwrite(p, 1, n, w->fp) != n)
		w->err = 1;
}

void
snapshot_put_u8(struct snapshot_w *w, uint8_t v)
{
	snapshot_put(w, &v, 1);
}

void
snapshot_put_u16(struct snapshot_w *w, uint16_t v)
{
	uint8_t	 b[2] = { v & 0xff, v >> 8 };

	snapshot_put(w, b, sizeof(b));
}

void
snapshot_put_u32(struct snapshot_w *w, uint32_t v)
{
	uint8_t	 b[4];
	int	 i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	snapshot_put(w, b, sizeof(b));
}

void
snapshot_put_u64(struct snapshot_w *w, uint64_t v)
{
	uint8_t	 b[8];
	int	 i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	snapshot_put(w, b, sizeof(b));
}

void
snapshot_put_i64(struct snapshot_w *w, int64_t v)
{
	snapshot_put_u64(w, (uint64_t)v);
}

/* The slot of an interned string in the intern table. */
static size_t
snapshot_slot(const struct intern *in, const struct istr *is)
{
	size_t	 it;
	void	*e;

	for (e = htab_first(&in->t, is->h, &it); e != NULL;
	    e = htab_next(&in->t, is->h, &it))
		if (e == is)
			return ((it - 1) & in->t.mask);
	return (SIZE_MAX);
}

/* A string the state refers to: its index in STRS + 1, 0 for none. */
void
snapshot_put_str(struct snapshot_w *w, const struct istr *is)
{
	size_t	 slot;

	if (is == NULL || w->sid == NULL ||
	    (slot = snapshot_slot(w->in, is)) == SIZE_MAX) {
		if (is != NULL)
			w->err = 1;	/* not interned: a bug */
		snapshot_put_u32(w, 0);
		return;
	}
	snapshot_put_u32(w, w->sid[slot]);
}

static void
snapshot_strings_cb(struct snapshot_w *w, void *arg)
{
	const struct htab	*t = &w->in->t;
	const struct istr	*is;
	size_t			 i;

	snapshot_put_u64(w, t->n);
	for (i = 0; i < htab_capacity(t); i++)
		if ((is = htab_at(t, i)) != NULL) {
			snapshot_put_u32(w, is->len);
			snapshot_put(w, is->s, is->len);
		}
}

/* Number the interned strings in table order, then write them. */
static void
snapshot_strings(struct snapshot_w *w)
{
	const struct htab	*t = &w->in->t;
	size_t			 i;
	uint32_t		 id = 0;

	w->sid = xcalloc(htab_capacity(t), sizeof(*w->sid));
	for (i = 0; i < htab_capacity(t); i++)
		if (htab_at(t, i) != NULL)
			w->sid[i] = ++id;
	(void)snapshot_section(w, SNAPSHOT_STRS, snapshot_strings_cb, NULL);
}

/*
 * One section: fn runs once to count its bytes, then again to write
 * them. The two runs must agree; a writer that does not is a bug, and
 * the save fails rather than write a file that would not load.
 */
int
snapshot_section(struct snapshot_w *w, uint32_t tag,
    void (*fn)(struct snapshot_w *, void *), void *arg)
{
	struct snapshot_w	 c = *w;
	uint64_t	 start;

	c.fp = NULL;
	c.n = 0;
	fn(&c, arg);
	if (c.err)
		w->err = 1;
	snapshot_put_u32(w, tag);
	snapshot_put_u64(w, c.n);
	start = w->n;
	fn(w, arg);
	if (w->n - start != c.n)
		w->err = 1;
	return (w->err ? -1 : 0);
}

/* A whole file into fp: header, strings, fn's sections, END, CRC. */
int
snapshot_write(FILE *fp, const struct intern *in,
    void (*fn)(struct snapshot_w *, void *), void *arg)
{
	struct snapshot_w	 w;
	uint8_t		 b[4];
	uint32_t	 crc;
	int		 i, rv;

	snapshot_w_init(&w, fp, in);
	snapshot_put(&w, SNAPSHOT_MAGIC, SNAPSHOT_MAGICLEN);
	snapshot_put_u32(&w, SNAPSHOT_VERSION);
	snapshot_put_u32(&w, 0);
	snapshot_strings(&w);
	fn(&w, arg);
	snapshot_put_u32(&w, SNAPSHOT_END);
	snapshot_put_u64(&w, 0);
	crc = w.crc;
	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(crc >> (8 * i));
	if (fwrite(b, 1, sizeof(b), fp) != sizeof(b))
		w.err = 1;
	rv = w.err ? -1 : 0;
	snapshot_w_clear(&w);
	return (rv);
}

/* --- reader ----------------------------------------------------------- */

int
snapshot_fail(struct snapshot_r *r, const char *why)
{
	if (!r->err)
		r->why = why;
	r->err = 1;
	return (-1);
}

int
snapshot_get(struct snapshot_r *r, void *p, size_t n)
{
	if (r->err)
		return (-1);
	if (n > r->n)
		return (snapshot_fail(r, "truncated record"));
	if (n > 0)
		memcpy(p, r->p, n);
	r->p += n;
	r->n -= n;
	return (0);
}

int
snapshot_get_u8(struct snapshot_r *r, uint8_t *v)
{
	return (snapshot_get(r, v, 1));
}

int
snapshot_get_u16(struct snapshot_r *r, uint16_t *v)
{
	uint8_t	 b[2];

	if (snapshot_get(r, b, sizeof(b)) == -1)
		return (-1);
	*v = (uint16_t)(b[0] | b[1] << 8);
	return (0);
}

int
snapshot_get_u32(struct snapshot_r *r, uint32_t *v)
{
	uint8_t	 b[4];
	int	 i;

	if (snapshot_get(r, b, sizeof(b)) == -1)
		return (-1);
	*v = 0;
	for (i = 0; i < 4; i++)
		*v |= (uint32_t)b[i] << (8 * i);
	return (0);
}

int
snapshot_get_u64(struct snapshot_r *r, uint64_t *v)
{
	uint8_t	 b[8];
	int	 i;

	if (snapshot_get(r, b, sizeof(b)) == -1)
		return (-1);
	*v = 0;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return (0);
}

int
snapshot_get_i64(struct snapshot_r *r, int64_t *v)
{
	uint64_t	 u;

	if (snapshot_get_u64(r, &u) == -1)
		return (-1);
	*v = (int64_t)u;
	return (0);
}

/*
 * An event time: none (INT64_MIN) or within 2^62 µs (146,000 years) of
 * 1970, so that the rules' sums of times and durations cannot overflow.
 */
int
snapshot_get_time(struct snapshot_r *r, int64_t *t)
{
	if (snapshot_get_i64(r, t) == -1)
		return (-1);
	if (*t != INT64_MIN &&
	    (*t < -SNAPSHOT_TIME_MAX || *t > SNAPSHOT_TIME_MAX))
		return (snapshot_fail(r, "time out of range"));
	return (0);
}

/*
 * A count of records that take at least `min' bytes each: more than the
 * bytes left can hold is a lie, refused before anything is allocated.
 */
int
snapshot_get_count(struct snapshot_r *r, size_t min, uint64_t *n)
{
	if (snapshot_get_u64(r, n) == -1)
		return (-1);
	if (min > 0 && *n > r->n / min)
		return (snapshot_fail(r, "count larger than its section"));
	return (0);
}

/* A string reference; the caller gets a reference of its own. */
int
snapshot_get_str(struct snapshot_r *r, struct istr **is)
{
	uint32_t	 id;

	if (snapshot_get_u32(r, &id) == -1)
		return (-1);
	if (id == 0) {
		*is = NULL;
		return (0);
	}
	if (id > r->nstrs)
		return (snapshot_fail(r, "string index out of range"));
	*is = r->strs[id - 1];
	(*is)->refs++;
	return (0);
}

/* STRS: intern every string, holding one reference each while loading. */
int
snapshot_get_strings(struct snapshot_r *r, struct intern *in)
{
	uint64_t	 n, i;
	uint32_t	 len;

	if (snapshot_get_count(r, 4, &n) == -1)
		return (-1);
	r->strs = xcalloc(n == 0 ? 1 : n, sizeof(*r->strs));
	r->nstrs = 0;
	for (i = 0; i < n; i++) {
		if (snapshot_get_u32(r, &len) == -1)
			return (-1);
		if (len > r->n)
			return (snapshot_fail(r,
			    "string longer than its section"));
		r->strs[r->nstrs++] = intern_get(in, (const char *)r->p, len);
		r->p += len;
		r->n -= len;
	}
	if (r->n != 0)
		return (snapshot_fail(r, "bytes after the string table"));
	return (0);
}

/* Drop the loading references: strings no entry took are freed. */
void
snapshot_strings_free(struct snapshot_r *r, struct intern *in)
{
	size_t	 i;

	for (i = 0; i < r->nstrs; i++)
		intern_put(in, r->strs[i]);
	free(r->strs);
	r->strs = NULL;
	r->nstrs = 0;
}

/* The next section: its tag, and a reader bounded to its bytes. */
int
snapshot_next(struct snapshot_r *r, uint32_t *tag, struct snapshot_r *sec)
{
	uint64_t	 len;

	if (snapshot_get_u32(r, tag) == -1 || snapshot_get_u64(r, &len) == -1)
		return (-1);
	if (len > r->n)
		return (snapshot_fail(r, "section longer than the file"));
	memset(sec, 0, sizeof(*sec));
	sec->p = r->p;
	sec->n = (size_t)len;
	sec->strs = r->strs;
	sec->nstrs = r->nstrs;
	r->p += len;
	r->n -= len;
	return (0);
}

/*
 * Check a whole file in memory: magic, version, CRC. On success r reads
 * its sections; otherwise *why says what is wrong with it.
 */
int
snapshot_open(const uint8_t *buf, size_t len, struct snapshot_r *r,
    const char **why)
{
	uint32_t	 ver, crc;

	memset(r, 0, sizeof(*r));
	if (len < SNAPSHOT_MAGICLEN ||
	    memcmp(buf, SNAPSHOT_MAGIC, SNAPSHOT_MAGICLEN) != 0) {
		*why = "not a signetd state file (bad magic)";
		return (-1);
	}
	if (len < SNAPSHOT_HDRLEN + SNAPSHOT_TRAILER) {
		*why = "truncated header";
		return (-1);
	}
	ver = (uint32_t)buf[8] | (uint32_t)buf[9] << 8 |
	    (uint32_t)buf[10] << 16 | (uint32_t)buf[11] << 24;
	if (ver != SNAPSHOT_VERSION) {
		*why = "unsupported format version";
		return (-1);
	}
	crc = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 |
	    (uint32_t)buf[len - 2] << 16 | (uint32_t)buf[len - 1] << 24;
	if (snapshot_crc32c(0, buf, len - SNAPSHOT_TRAILER) != crc) {
		*why = "checksum mismatch (corrupt or truncated)";
		return (-1);
	}
	r->p = buf + SNAPSHOT_HDRLEN;
	r->n = len - SNAPSHOT_HDRLEN - SNAPSHOT_TRAILER;
	return (0);
}

/* --- files ------------------------------------------------------------ */

/* Make the rename durable: fsync the directory that holds path. */
static int
snapshot_sync_dir(const char *path)
{
	char	*copy = xstrdup(path);
	int	 fd, rv = 0;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || fsync(fd) == -1)
		rv = -1;
	if (fd != -1)
		close(fd);
	free(copy);
	return (rv);
}

/*
 * The temporary file, mode 0600 whatever it was: the state names
 * devices, users and paths. One left by a crash is reused, but not
 * through a symbolic link (the link would be renamed over path and its
 * target overwritten), not with the mode it had, and not if it is
 * another user's (root's, before user = was set): then it is removed
 * and made anew.
 */
static int
snapshot_open_tmp(const char *tmp)
{
	int	 fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd != -1 && fchmod(fd, 0600) == 0)
		return (fd);
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	return (open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600));
}

/*
 * Write the state to path atomically: into path.tmp in the same
 * directory, flushed and fsynced, renamed over path, then the directory
 * fsynced. On failure path is left as it was. *size gets the file size.
 */
int
snapshot_save(const char *path, const struct intern *in,
    void (*fn)(struct snapshot_w *, void *), void *arg, uint64_t *size)
{
	char	*tmp;
	FILE	*fp = NULL;
	int	 fd, rv = -1;

	if (asprintf(&tmp, "%s.tmp", path) == -1)
		fatal("asprintf");
	fd = snapshot_open_tmp(tmp);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("state: %s", tmp);
		if (fd != -1)
			close(fd);
		goto done;
	}
	if (snapshot_write(fp, in, fn, arg) == -1 || fflush(fp) == EOF ||
	    fsync(fileno(fp)) == -1) {
		log_warn("state: writing %s", tmp);
		goto done;
	}
	*size = (uint64_t)ftello(fp);
	if (fclose(fp) == EOF) {
		fp = NULL;
		log_warn("state: closing %s", tmp);
		goto done;
	}
	fp = NULL;
	if (rename(tmp, path) == -1) {
		log_warn("state: rename %s to %s", tmp, path);
		goto done;
	}
	if (snapshot_sync_dir(path) == -1)
		log_warn("state: fsync of the directory of %s", path);
	rv = 0;
done:
	if (fp != NULL)
		fclose(fp);
	if (rv == -1)
		(void)unlink(tmp);
	free(tmp);
	return (rv);
}

/* A bad file is kept for a look, as path.bad, out of the way. */
static void
snapshot_move_aside(const char *path, const char *why)
{
	char	*bad;

	if (asprintf(&bad, "%s.bad", path) == -1)
		fatal("asprintf");
	if (rename(path, bad) == -1)
		log_warn("state: %s: %s; cannot rename it to %s, starting "
		    "empty", path, why, bad);
	else
		log_warnx("state: %s: %s; moved to %s, starting empty", path,
		    why, bad);
	free(bad);
}

/*
 * Load path through fn. Returns 1 when loaded, 0 when there is no file,
 * -1 when the file was bad (moved aside) or unreadable: the caller starts
 * empty, with a fresh state, since fn may have loaded part of it.
 */
int
snapshot_load(const char *path, int (*fn)(struct snapshot_r *, void *),
    void *arg)
{
	struct stat	 sb;
	struct snapshot_r	 r;
	const char	*why = NULL;
	void		*map = MAP_FAILED;
	int		 fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			log_notice("state: %s does not exist yet, starting "
			    "empty", path);
			return (0);
		}
		log_warn("state: %s, starting empty", path);
		return (-1);
	}
	if (fstat(fd, &sb) == -1) {
		log_warn("state: %s, starting empty", path);
		close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if (sb.st_size == 0)
		why = "empty file";
	else if ((uint64_t)sb.st_size > SIZE_MAX ||
	    (map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED) {
		log_warn("state: %s: cannot map it, starting empty", path);
		close(fd);
		return (-1);
	}
	close(fd);
	if (why == NULL &&
	    snapshot_open(map, (size_t)sb.st_size, &r, &why) == 0) {
		if (fn(&r, arg) == 0)
			rv = 1;
		else
			why = r.why != NULL ? r.why : "inconsistent content";
	}
	if (map != MAP_FAILED)
		munmap(map, (size_t)sb.st_size);
	if (rv == -1)
		snapshot_move_aside(path, why);
	return (rv);
}
