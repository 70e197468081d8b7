/*
 * signetd: the state file. A versioned binary format with a CRC-32C over
 * everything before it, the primitives the rules serialize their tables
 * with, and the atomic save and the careful load of a file. The layout is
 * described at the top of snapshot.c.
 */
#ifndef SIGNETD_SNAPSHOT_H
#define SIGNETD_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "intern.h"

#define SNAP_MAGIC	"SIGNETD\0"
#define SNAP_MAGICLEN	8
#define SNAP_VERSION	1
#define SNAP_HDRLEN	16		/* magic, version, flags */
#define SNAP_SECHDR	12		/* tag, length */
#define SNAP_TRAILER	4		/* CRC-32C */
#define SNAP_TIME_MAX	(INT64_C(1) << 62)	/* µs; see snap_get_time */

/* Section tags: four ASCII letters, read as a little-endian u32. */
#define SNAP_TAG(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
	(uint32_t)(d) << 24)
#define SNAP_PARM	SNAP_TAG('P', 'A', 'R', 'M')	/* rule parameters */
#define SNAP_ENGN	SNAP_TAG('E', 'N', 'G', 'N')	/* watermark */
#define SNAP_STRS	SNAP_TAG('S', 'T', 'R', 'S')	/* string table */
#define SNAP_NJKY	SNAP_TAG('N', 'J', 'K', 'Y')	/* keys and groups */
#define SNAP_NJPR	SNAP_TAG('N', 'J', 'P', 'R')	/* process table */
#define SNAP_ILWN	SNAP_TAG('I', 'L', 'W', 'N')	/* imageload windows */
#define SNAP_END	SNAP_TAG('E', 'N', 'D', '.')

/*
 * The writer. With fp NULL it only counts, which is how a section's
 * length is known before its bytes are written (see snap_section).
 */
struct snap_w {
	FILE		*fp;
	uint32_t	 crc;
	uint64_t	 n;		/* bytes written (or counted) */
	int		 err;
	const struct intern *in;	/* borrowed; for string ids */
	uint32_t	*sid;		/* intern slot -> string id + 1 */
};

/* The reader: a bounded window over bytes already checked by the CRC. */
struct snap_r {
	const uint8_t	*p;
	size_t		 n;		/* bytes left */
	int		 err;
	const char	*why;		/* first problem met */
	struct istr	**strs;		/* borrowed: the string table */
	size_t		 nstrs;
};

uint32_t	 snap_crc32c(uint32_t, const void *, size_t);

void		 snap_w_init(struct snap_w *, FILE *, const struct intern *);
void		 snap_w_clear(struct snap_w *);
void		 snap_put(struct snap_w *, const void *, size_t);
void		 snap_put_u8(struct snap_w *, uint8_t);
void		 snap_put_u16(struct snap_w *, uint16_t);
void		 snap_put_u32(struct snap_w *, uint32_t);
void		 snap_put_u64(struct snap_w *, uint64_t);
void		 snap_put_i64(struct snap_w *, int64_t);
void		 snap_put_str(struct snap_w *, const struct istr *);
int		 snap_section(struct snap_w *, uint32_t,
		    void (*)(struct snap_w *, void *), void *);
int		 snap_write(FILE *, const struct intern *,
		    void (*)(struct snap_w *, void *), void *);

int		 snap_fail(struct snap_r *, const char *);
int		 snap_get(struct snap_r *, void *, size_t);
int		 snap_get_u8(struct snap_r *, uint8_t *);
int		 snap_get_u16(struct snap_r *, uint16_t *);
int		 snap_get_u32(struct snap_r *, uint32_t *);
int		 snap_get_u64(struct snap_r *, uint64_t *);
int		 snap_get_i64(struct snap_r *, int64_t *);
int		 snap_get_time(struct snap_r *, int64_t *);
int		 snap_get_count(struct snap_r *, size_t, uint64_t *);
int		 snap_get_str(struct snap_r *, struct istr **);
int		 snap_get_strings(struct snap_r *, struct intern *);
void		 snap_strings_free(struct snap_r *, struct intern *);
int		 snap_next(struct snap_r *, uint32_t *, struct snap_r *);
int		 snap_open(const uint8_t *, size_t, struct snap_r *,
		    const char **);

int		 snapshot_save(const char *, const struct intern *,
		    void (*)(struct snap_w *, void *), void *, uint64_t *);
int		 snapshot_load(const char *,
		    int (*)(struct snap_r *, void *), void *);

#endif
