/*
 * signetd: the detection engine. Takes normalized records with the time
 * they arrived, keeps the watermark, feeds the two rules, enforces the
 * memory budget and drives incremental expiry. Pure: no I/O, no clock
 * reads; `now' is passed in, so --replay and the daemon run the same code.
 */
#ifndef SIGNETD_ENGINE_H
#define SIGNETD_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "alert.h"
#include "conf.h"
#include "imageload.h"
#include "netjoin.h"
#include "rec.h"
#include "siphash.h"

struct engine_stats {
	uint64_t	accepted[REC_NKINDS];
	uint64_t	late[REC_NKINDS];	/* older than watermark - W */
	uint64_t	clamped;		/* forged future times (live) */
	uint64_t	over_budget;		/* evictions forced by memory */
	int64_t		max_time;
	int64_t		watermark;
	uint64_t	intern_bytes;
	uint64_t	bytes;			/* all state */
};

struct engine;

struct engine	*engine_new(const struct conf *, const struct alert_sink *,
		    const struct sipkey *);
void		 engine_free(struct engine *);
void		 engine_reconf(struct engine *, const struct conf *);
void		 engine_push(struct engine *, struct rec *, int64_t, int);
size_t		 engine_tick(struct engine *, int64_t, size_t);
void		 engine_flush(struct engine *, int64_t);
const struct engine_stats *engine_stats(struct engine *);
const struct netjoin_stats *engine_netjoin_stats(const struct engine *);
const struct imageload_stats *engine_imageload_stats(const struct engine *);
void		 engine_print_stats(struct engine *, FILE *);
int		 engine_save(struct engine *, const char *, uint64_t *);
int		 engine_restore(struct engine *, const char *, int64_t);
int		 engine_snapshot_write(struct engine *, FILE *);
int		 engine_snapshot_read(struct engine *, const uint8_t *, size_t,
		    int64_t, const char **);

#endif
