/*
 * signetd: the delivery queue of a network output (see outq.h).
 *
 * In memory it is a ring of queue_size records; a record pushed into a
 * full ring pushes out the oldest, which the caller counts as dropped.
 * The sender only needs the bytes while it copies them into its own
 * buffer, so the batch in flight may lose records this way too: it then
 * pops only what is left of it.
 *
 * Spooled, it is a directory of append-only segment files, named by a
 * 20-digit sequence number, and a file "index" that holds the position
 * (segment, offset) of the first record not yet delivered. A record is
 *
 *	u16 magic 0x5347 ("SG"), u16 0, u32 length, i64 time queued (µs),
 *	u32 FNV-1a of the payload, then the payload
 *
 * little-endian. Pushes collect in a buffer; outq_sync() writes them and
 * fsyncs the segment, once per batch of input. Only synced records are
 * read back, so what a sender delivers is always already on disk. A pop
 * moves the index forward (written to a temporary file, fsynced, renamed
 * over) and unlinks the segments left behind. At start every segment
 * from the index on is scanned: a record cut short by a crash, or that
 * fails its checksum, ends its segment. Writing always goes to a new
 * segment, so nothing is ever appended after a torn record. A spool that
 * holds spool_max bytes refuses new records: dropping old ones from disk
 * would mean rewriting segments under a sender that may be reading them.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "buf.h"
#include "log.h"
#include "outq.h"
#include "xmalloc.h"

#define OUTQ_MAGIC	0x5347
#define OUTQ_HDR	20
#define OUTQ_SEG_MAX	(4u << 20)	/* a new segment after this */
#define OUTQ_REC_MAX	(16u << 20)	/* longer is corruption */

struct outq_rec {
	char		*p;
	size_t		 len;
	int64_t		 time;
};

struct outq_seg {
	uint64_t	 seq;
	uint64_t	 end;		/* bytes readable: synced and whole */
};

struct outq_pos {
	size_t		 seg;		/* index into segs */
	uint64_t	 off;
};

struct outq {
	size_t			 depth;
	size_t			 npeek;
	struct outq_item	*peekv;
	size_t			 peekcap;

	/* memory */
	struct outq_rec		*ring;
	size_t			 cap;
	size_t			 head;

	/* spool */
	char			*dir;
	int			 dirfd;
	int			 wfd;
	uint64_t		 max;
	uint64_t		 bytes;		/* on disk and pending */
	struct outq_seg		*segs;		/* the last one is written */
	size_t			 nsegs;
	struct outq_pos		 rpos;		/* first undelivered */
	uint64_t		 lastseq;	/* highest segment seen */
	struct outq_pos		*ends;		/* after each peeked record */
	struct buf		 wbuf;		/* pushed, not yet written */
	size_t			 wrecs;		/* records in wbuf */
	struct buf		 rbuf;		/* payloads of the peek */
	char			*tmp;		/* one payload as read */
	size_t			 tmpcap;
};

static uint32_t	 outq_fnv(const void *, size_t);
static void	 outq_put32(unsigned char *, uint32_t);
static void	 outq_put64(unsigned char *, uint64_t);
static uint32_t	 outq_get32(const unsigned char *);
static uint64_t	 outq_get64(const unsigned char *);
static void	 outq_peekv_grow(struct outq *, size_t);
static int	 outq_mem_push(struct outq *, const void *, size_t, int64_t);
static size_t	 outq_mem_peek(struct outq *, size_t);
static int	 outq_segname(char *, size_t, uint64_t);
static int	 outq_scan_dir(struct outq *, char *, size_t);
static int	 outq_read_index(struct outq *, uint64_t *, uint64_t *);
static int	 outq_write_index(struct outq *);
static int	 outq_read_rec(struct outq *, size_t, uint64_t, int64_t *,
		    size_t *, int);
static int	 outq_scan_seg(struct outq *, size_t, uint64_t, char *,
		    size_t);
static int	 outq_new_seg(struct outq *, char *, size_t);
static void	 outq_unlink_before(struct outq *, size_t);
static size_t	 outq_spool_peek(struct outq *, size_t, size_t);

static uint32_t
outq_fnv(const void *p, size_t n)
{
	const unsigned char	*s = p;
	uint32_t		 h = 2166136261u;

	while (n-- > 0) {
		h ^= *s++;
		h *= 16777619u;
	}
	return (h);
}

static void
outq_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
outq_put64(unsigned char *p, uint64_t v)
{
	outq_put32(p, (uint32_t)v);
	outq_put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
outq_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint64_t
outq_get64(const unsigned char *p)
{
	return ((uint64_t)outq_get32(p) | (uint64_t)outq_get32(p + 4) << 32);
}

static void
outq_peekv_grow(struct outq *q, size_t n)
{
	if (n <= q->peekcap)
		return;
	q->peekv = xreallocarray(q->peekv, n, sizeof(*q->peekv));
	if (q->dir != NULL)
		q->ends = xreallocarray(q->ends, n, sizeof(*q->ends));
	q->peekcap = n;
}

struct outq *
outq_new(size_t cap)
{
	struct outq	*q;

	q = xcalloc(1, sizeof(*q));
	q->cap = cap > 0 ? cap : 1;
	q->ring = xcalloc(q->cap, sizeof(*q->ring));
	q->dirfd = -1;
	q->wfd = -1;
	return (q);
}

void
outq_free(struct outq *q)
{
	size_t	 i;

	if (q == NULL)
		return;
	for (i = 0; q->ring != NULL && i < q->depth; i++)
		free(q->ring[(q->head + i) % q->cap].p);
	free(q->ring);
	if (q->wfd != -1)
		close(q->wfd);
	if (q->dirfd != -1)
		close(q->dirfd);
	free(q->dir);
	free(q->segs);
	free(q->ends);
	free(q->peekv);
	free(q->tmp);
	buf_clear(&q->wbuf);
	buf_clear(&q->rbuf);
	free(q);
}

/* Returns 1 when the oldest record made room. */
static int
outq_mem_push(struct outq *q, const void *p, size_t len, int64_t now)
{
	struct outq_rec	*r;
	int		 dropped = 0;

	if (q->depth == q->cap) {
		r = &q->ring[q->head];
		free(r->p);
		q->head = (q->head + 1) % q->cap;
		q->depth--;
		if (q->npeek > 0)
			q->npeek--;
		dropped = 1;
	}
	r = &q->ring[(q->head + q->depth) % q->cap];
	r->p = xmemdup(p, len > 0 ? len : 1);
	r->len = len;
	r->time = now;
	q->depth++;
	return (dropped);
}

/*
 * Queue a record. Returns 0, 1 if the oldest record was dropped to make
 * room, -1 if this one was dropped (the spool is full).
 */
int
outq_push(struct outq *q, const void *p, size_t len, int64_t now)
{
	unsigned char	 h[OUTQ_HDR];

	if (q->dir == NULL)
		return (outq_mem_push(q, p, len, now));
	if (len > OUTQ_REC_MAX || q->bytes + OUTQ_HDR + len > q->max)
		return (-1);
	outq_put32(h, OUTQ_MAGIC);
	outq_put32(h + 4, (uint32_t)len);
	outq_put64(h + 8, (uint64_t)now);
	outq_put32(h + 16, outq_fnv(p, len));
	buf_add(&q->wbuf, h, sizeof(h));
	buf_add(&q->wbuf, p, len);
	q->wrecs++;
	q->bytes += OUTQ_HDR + len;
	q->depth++;
	return (0);
}

/*
 * Spool: write what was pushed and fsync it. On an error the records not
 * written are gone (*lost says how many) and the segment is cut back to
 * where it was, so that no torn record hides later ones. Memory: no-op.
 */
int
outq_sync(struct outq *q, size_t *lost)
{
	struct outq_seg	*s;
	size_t		 off = 0;
	ssize_t		 n;
	char		 err[256];

	*lost = 0;
	if (q->dir == NULL || q->wbuf.len == 0)
		return (0);
	s = &q->segs[q->nsegs - 1];
	while (off < q->wbuf.len) {
		n = write(q->wfd, q->wbuf.p + off, q->wbuf.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fdatasync(q->wfd) == -1)
		goto fail;
	s->end += q->wbuf.len;
	buf_reset(&q->wbuf);
	q->wrecs = 0;
	if (s->end >= OUTQ_SEG_MAX && outq_new_seg(q, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	return (0);
fail:
	log_warn("spool %s: writing segment %" PRIu64, q->dir, s->seq);
	if (ftruncate(q->wfd, (off_t)s->end) == -1)
		log_warn("spool %s: truncating segment %" PRIu64, q->dir,
		    s->seq);
	*lost = q->wrecs;
	q->depth -= q->wrecs;
	q->bytes -= q->wbuf.len;
	buf_reset(&q->wbuf);
	q->wrecs = 0;
	return (-1);
}

static size_t
outq_mem_peek(struct outq *q, size_t max)
{
	struct outq_rec	*r;
	size_t		 i, n;

	n = q->depth < max ? q->depth : max;
	outq_peekv_grow(q, n);
	for (i = 0; i < n; i++) {
		r = &q->ring[(q->head + i) % q->cap];
		q->peekv[i].p = r->p;
		q->peekv[i].len = r->len;
		q->peekv[i].time = r->time;
	}
	return (n);
}

/*
 * The batch at the head: at most max records, and no more bytes than
 * maxbytes unless one record alone is longer. *items stays valid until
 * the next call on q. A peek replaces the previous one.
 */
size_t
outq_peek(struct outq *q, size_t max, size_t maxbytes,
    const struct outq_item **items)
{
	q->npeek = q->dir == NULL ? outq_mem_peek(q, max) :
	    outq_spool_peek(q, max, maxbytes);
	*items = q->peekv;
	return (q->npeek);
}

/* The peeked batch was delivered; returns how many records left. */
size_t
outq_pop(struct outq *q)
{
	size_t	 i, n = q->npeek;
	uint64_t before;

	if (n == 0)
		return (0);
	q->npeek = 0;
	if (q->dir == NULL) {
		for (i = 0; i < n; i++) {
			free(q->ring[q->head].p);
			q->ring[q->head].p = NULL;
			q->head = (q->head + 1) % q->cap;
		}
		q->depth -= n;
		return (n);
	}
	before = q->rpos.off;
	for (i = q->rpos.seg; i < q->ends[n - 1].seg; i++) {
		q->bytes -= q->segs[i].end - before;
		before = 0;
	}
	q->bytes -= q->ends[n - 1].off - before;
	q->rpos = q->ends[n - 1];
	q->depth -= n;
	if (outq_write_index(q) == -1)
		log_warn("spool %s: writing the index", q->dir);
	outq_unlink_before(q, q->rpos.seg);
	return (n);
}

size_t
outq_depth(const struct outq *q)
{
	return (q->depth);
}

size_t
outq_unsynced(const struct outq *q)
{
	return (q->wrecs);
}

int
outq_is_spool(const struct outq *q)
{
	return (q->dir != NULL);
}

static int
outq_segname(char *buf, size_t len, uint64_t seq)
{
	return (snprintf(buf, len, "%020" PRIu64 ".seg", seq));
}

static int
outq_cmp_seg(const void *a, const void *b)
{
	const struct outq_seg	*x = a, *y = b;

	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* The segments in the directory, in order. */
static int
outq_scan_dir(struct outq *q, char *err, size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	const char	*s;
	char		*end;
	unsigned long long seq;
	int		 fd;

	if ((fd = dup(q->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "spool %s: %s", q->dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		s = de->d_name;
		if (strlen(s) != 24 || strspn(s, "0123456789") != 20 ||
		    strcmp(s + 20, ".seg") != 0)
			continue;
		errno = 0;
		seq = strtoull(s, &end, 10);
		if (errno != 0)
			continue;
		q->segs = xreallocarray(q->segs, q->nsegs + 1,
		    sizeof(*q->segs));
		q->segs[q->nsegs].seq = seq;
		q->segs[q->nsegs].end = 0;
		q->nsegs++;
	}
	closedir(d);
	if (q->nsegs > 0)
		qsort(q->segs, q->nsegs, sizeof(*q->segs), outq_cmp_seg);
	return (0);
}

/* The index: "SEQ OFFSET\n"; 0 if there is none, -1 if unreadable. */
static int
outq_read_index(struct outq *q, uint64_t *seq, uint64_t *off)
{
	char		 line[64];
	unsigned long long s, o;
	ssize_t		 n;
	int		 fd;

	if ((fd = openat(q->dirfd, "index", O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -1);
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	line[n] = '\0';
	if (sscanf(line, "%llu %llu", &s, &o) != 2)
		return (-1);
	*seq = s;
	*off = o;
	return (1);
}

static int
outq_write_index(struct outq *q)
{
	char	 line[64];
	int	 fd, n, rv = -1;

	n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n",
	    q->segs[q->rpos.seg].seq, q->rpos.off);
	fd = openat(q->dirfd, "index.tmp", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return (-1);
	if (write(fd, line, (size_t)n) == n && fsync(fd) == 0)
		rv = 0;
	close(fd);
	if (rv == 0 && renameat(q->dirfd, "index.tmp", q->dirfd,
	    "index") == -1)
		rv = -1;
	return (rv);
}

/*
 * The record at off in segment si, not reading past the segment's end.
 * Its payload is checked, and appended to rbuf when want is set. Returns
 * 1 with *time and *len, 0 at the end, -1 for a torn or corrupt record.
 */
static int
outq_read_rec(struct outq *q, size_t si, uint64_t off, int64_t *time,
    size_t *len, int want)
{
	unsigned char	 h[OUTQ_HDR];
	char		 name[32];
	uint64_t	 limit = q->segs[si].end;
	size_t		 n;
	ssize_t		 r;
	int		 fd, rv = -1;

	if (off == limit)
		return (0);
	outq_segname(name, sizeof(name), q->segs[si].seq);
	if ((fd = openat(q->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (limit - off < OUTQ_HDR ||
	    pread(fd, h, sizeof(h), (off_t)off) != (ssize_t)sizeof(h))
		goto done;
	n = outq_get32(h + 4);
	if (outq_get32(h) != OUTQ_MAGIC || n > OUTQ_REC_MAX ||
	    n > limit - off - OUTQ_HDR)
		goto done;
	if (n + 1 > q->tmpcap) {
		q->tmp = xreallocarray(q->tmp, n + 1, 1);
		q->tmpcap = n + 1;
	}
	r = n > 0 ? pread(fd, q->tmp, n, (off_t)(off + OUTQ_HDR)) : 0;
	if (r != (ssize_t)n || outq_fnv(q->tmp, n) != outq_get32(h + 16))
		goto done;
	if (want)
		buf_add(&q->rbuf, q->tmp, n);
	*time = (int64_t)outq_get64(h + 8);
	*len = n;
	rv = 1;
done:
	close(fd);
	return (rv);
}

/*
 * At start: count the whole records of segment si from off on. A torn
 * or corrupt record ends the segment there (and is logged).
 */
static int
outq_scan_seg(struct outq *q, size_t si, uint64_t off, char *err,
    size_t errlen)
{
	struct stat	 st;
	char		 name[32];
	int64_t		 t;
	size_t		 len;
	int		 fd, rv;

	outq_segname(name, sizeof(name), q->segs[si].seq);
	if ((fd = openat(q->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "spool %s: %s: %s", q->dir, name,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	q->segs[si].end = (uint64_t)st.st_size;
	if (off > q->segs[si].end)
		off = q->segs[si].end;
	while ((rv = outq_read_rec(q, si, off, &t, &len, 0)) == 1) {
		off += OUTQ_HDR + len;
		q->depth++;
	}
	if (rv == -1) {
		log_warnx("spool %s: %s: a record at offset %" PRIu64 " is "
		    "torn or corrupt; the segment ends there", q->dir, name,
		    off);
		q->segs[si].end = off;
	}
	return (0);
}

/* Start writing a new segment, after the last one. */
static int
outq_new_seg(struct outq *q, char *err, size_t errlen)
{
	char	 name[32];
	uint64_t seq;
	int	 fd;

	if (q->nsegs > 0 && q->segs[q->nsegs - 1].seq > q->lastseq)
		q->lastseq = q->segs[q->nsegs - 1].seq;
	seq = ++q->lastseq;
	outq_segname(name, sizeof(name), seq);
	fd = openat(q->dirfd, name, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "spool %s: %s: %s", q->dir, name,
		    strerror(errno));
		return (-1);
	}
	if (fsync(q->dirfd) == -1)
		log_warn("spool %s: fsync", q->dir);
	if (q->wfd != -1)
		close(q->wfd);
	q->wfd = fd;
	q->segs = xreallocarray(q->segs, q->nsegs + 1, sizeof(*q->segs));
	q->segs[q->nsegs].seq = seq;
	q->segs[q->nsegs].end = 0;
	q->nsegs++;
	return (0);
}

/* Segments before index si are delivered: remove them. */
static void
outq_unlink_before(struct outq *q, size_t si)
{
	char	 name[32];
	size_t	 i;

	if (si == 0)
		return;
	for (i = 0; i < si; i++) {
		outq_segname(name, sizeof(name), q->segs[i].seq);
		if (unlinkat(q->dirfd, name, 0) == -1 && errno != ENOENT)
			log_warn("spool %s: removing %s", q->dir, name);
	}
	memmove(q->segs, q->segs + si, (q->nsegs - si) * sizeof(*q->segs));
	q->nsegs -= si;
	q->rpos.seg -= si;
}

/*
 * Open (making it if need be) the spool in dir, holding at most max
 * bytes, and find what it still holds.
 */
struct outq *
outq_spool_open(const char *dir, uint64_t max, char *err, size_t errlen)
{
	struct outq	*q;
	uint64_t	 seq = 0, off = 0;
	size_t		 i;
	int		 rv;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		return (NULL);
	}
	q = xcalloc(1, sizeof(*q));
	q->dirfd = -1;
	q->wfd = -1;
	q->dir = xstrdup(dir);
	q->max = max;
	buf_init(&q->wbuf);
	buf_init(&q->rbuf);
	if ((q->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (outq_scan_dir(q, err, errlen) == -1)
		goto fail;
	if ((rv = outq_read_index(q, &seq, &off)) == -1) {
		snprintf(err, errlen, "spool %s: unreadable index", dir);
		goto fail;
	}
	q->lastseq = seq;
	/* The index names the first segment kept; others went before. */
	for (i = 0; rv == 1 && i < q->nsegs && q->segs[i].seq < seq; i++)
		;
	if (rv == 0 || i == q->nsegs || q->segs[i].seq != seq)
		off = 0;
	q->rpos.seg = i;
	q->rpos.off = off;
	for (; i < q->nsegs; i++)
		if (outq_scan_seg(q, i, i == q->rpos.seg ? off : 0, err,
		    errlen) == -1)
			goto fail;
	/* Nothing left to deliver: start afresh, leaving no empty files. */
	if (q->depth == 0) {
		q->rpos.seg = q->nsegs;
		q->rpos.off = 0;
	}
	if (outq_new_seg(q, err, errlen) == -1)
		goto fail;
	outq_unlink_before(q, q->rpos.seg);
	if (q->depth == 0 && outq_write_index(q) == -1) {
		snprintf(err, errlen, "spool %s: writing the index: %s", dir,
		    strerror(errno));
		goto fail;
	}
	for (i = 0; i < q->nsegs; i++)
		q->bytes += q->segs[i].end - (i == 0 ? q->rpos.off : 0);
	return (q);
fail:
	outq_free(q);
	return (NULL);
}

/* Read the batch at the head of the spool (synced records only). */
static size_t
outq_spool_peek(struct outq *q, size_t max, size_t maxbytes)
{
	struct outq_pos	 pos = q->rpos;
	size_t		 n = 0, len, off = 0, i;
	int64_t		 t;
	int		 rv;

	outq_peekv_grow(q, max);
	buf_reset(&q->rbuf);
	while (n < max && (n == 0 || q->rbuf.len < maxbytes)) {
		rv = outq_read_rec(q, pos.seg, pos.off, &t, &len, 1);
		if (rv == -1) {
			log_warnx("spool %s: a record at offset %" PRIu64
			    " of segment %" PRIu64 " is corrupt; skipping "
			    "the rest of the segment", q->dir, pos.off,
			    q->segs[pos.seg].seq);
			q->segs[pos.seg].end = pos.off;
			rv = 0;
		}
		if (rv == 0) {
			if (pos.seg + 1 >= q->nsegs)
				break;
			pos.seg++;
			pos.off = 0;
			continue;
		}
		pos.off += OUTQ_HDR + len;
		q->peekv[n].len = len;
		q->peekv[n].time = t;
		q->ends[n] = pos;
		n++;
	}
	/* rbuf may have moved while it grew: point into it at the end. */
	for (i = 0; i < n; i++) {
		q->peekv[i].p = q->rbuf.p + off;
		off += q->peekv[i].len;
	}
	return (n);
}
