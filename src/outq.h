/*
 * signetd: the delivery queue of one network output, bounded, in memory
 * or spooled to disk. A record is opaque bytes (one rendered alert) and
 * the time it was queued. The sender peeks a batch at the head and pops
 * it once delivered; nothing leaves the queue before, so a failed
 * delivery is retried from the same place, in order.
 */
#ifndef SIGNETD_OUTQ_H
#define SIGNETD_OUTQ_H

#include <stddef.h>
#include <stdint.h>

struct outq_item {
	const char	*p;
	size_t		 len;
	int64_t		 time;		/* when queued, µs */
};

struct outq;

struct outq	*outq_new(size_t);
struct outq	*outq_spool_open(const char *, uint64_t, char *, size_t);
void		 outq_free(struct outq *);
int		 outq_push(struct outq *, const void *, size_t, int64_t);
int		 outq_sync(struct outq *, size_t *);
size_t		 outq_peek(struct outq *, size_t, size_t,
		    const struct outq_item **);
size_t		 outq_pop(struct outq *);
size_t		 outq_depth(const struct outq *);
size_t		 outq_unsynced(const struct outq *);
int		 outq_is_spool(const struct outq *);

#endif
