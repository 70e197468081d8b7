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

#define SNAPSHOT_MAGIC		"SIGNETD\0"
#define SNAPSHOT_MAGICLEN	8
#define SNAPSHOT_VERSION	1
#define SNAPSHOT_HDRLEN		16	/* magic, version, flags */
#define SNAPSHOT_SECHDR		12	/* tag, length */
#define SNAPSHOT_TRAILER	4	/* CRC-32C */
/* µs either side of 1970; see snapshot_get_time */
#define SNAPSHOT_TIME_MAX	(INT64_C(1) << 62)

/* Section tags: four ASCII letters, read as a little-endian u32. */
#define SNAPSHOT_TAG(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
	(uint32_t)(d) << 24)
/* rule parameters, watermark, strings, keys and groups, processes */
#define SNAPSHOT_PARM	SNAPSHOT_TAG('P', 'A', 'R', 'M')
#define SNAPSHOT_ENGN	SNAPSHOT_TAG('E', 'N', 'G', 'N')
#define SNAPSHOT_STRS	SNAPSHOT_TAG('S', 'T', 'R', 'S')
#define SNAPSHOT_NJKY	SNAPSHOT_TAG('N', 'J', 'K', 'Y')
#define SNAPSHOT_NJPR	SNAPSHOT_TAG('N', 'J', 'P', 'R')
/* imageload windows, end */
#define SNAPSHOT_ILWN	SNAPSHOT_TAG('I', 'L', 'W', 'N')
#define SNAPSHOT_END	SNAPSHOT_TAG('E', 'N', 'D', '.')

/*
 * The writer. With fp NULL it only counts, which is how a section's
 * length is known before its bytes are written (see snapshot_section).
 */
struct snapshot_w {
	FILE		*fp;
	uint32_t	 crc;
	uint64_t	 n;		/* bytes written (or counted) */
	int		 err;
	const struct intern *in;	/* borrowed; for string ids */
	uint32_t	*sid;		/* intern slot -> string id + 1 */
};

/* The reader: a bounded window over bytes already checked by the CRC. */
struct snapshot_r {
	const uint8_t	*p;
	size_t		 n;		/* bytes left */
	int		 err;
	const char	*why;		/* first problem met */
	struct istr	**strs;		/* borrowed: the string table */
	size_t		 nstrs;
};

uint32_t	 snapshot_crc32c(uint32_t, const void *, size_t);

void		 snapshot_w_init(struct snapshot_w *, FILE *,
		    const struct intern *);
void		 snapshot_w_clear(struct snapshot_w *);
void		 snapshot_put(struct snapshot_w *, const void *, size_t);
void		 snapshot_put_u8(struct snapshot_w *, uint8_t);
void		 snapshot_put_u16(struct snapshot_w *, uint16_t);
void		 snapshot_put_u32(struct snapshot_w *, uint32_t);
void		 snapshot_put_u64(struct snapshot_w *, uint64_t);
void		 snapshot_put_i64(struct snapshot_w *, int64_t);
void		 snapshot_put_str(struct snapshot_w *, const struct istr *);
int		 snapshot_section(struct snapshot_w *, uint32_t,
		    void (*)(struct snapshot_w *, void *), void *);
int		 snapshot_write(FILE *, const struct intern *,
		    void (*)(struct snapshot_w *, void *), void *);

int		 snapshot_fail(struct snapshot_r *, const char *);
int		 snapshot_get(struct snapshot_r *, void *, size_t);
int		 snapshot_get_u8(struct snapshot_r *, uint8_t *);
int		 snapshot_get_u16(struct snapshot_r *, uint16_t *);
int		 snapshot_get_u32(struct snapshot_r *, uint32_t *);
int		 snapshot_get_u64(struct snapshot_r *, uint64_t *);
int		 snapshot_get_i64(struct snapshot_r *, int64_t *);
int		 snapshot_get_time(struct snapshot_r *, int64_t *);
int		 snapshot_get_count(struct snapshot_r *, size_t, uint64_t *);
int		 snapshot_get_str(struct snapshot_r *, struct istr **);
int		 snapshot_get_strings(struct snapshot_r *, struct intern *);
void		 snapshot_strings_free(struct snapshot_r *, struct intern *);
int		 snapshot_next(struct snapshot_r *, uint32_t *,
		    struct snapshot_r *);
int		 snapshot_open(const uint8_t *, size_t, struct snapshot_r *,
		    const char **);

int		 snapshot_save(const char *, const struct intern *,
		    void (*)(struct snapshot_w *, void *), void *, uint64_t *);
int		 snapshot_load(const char *,
		    int (*)(struct snapshot_r *, void *), void *);

#endif
