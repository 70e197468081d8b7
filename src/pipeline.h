/*
 * signetd: one message through the pipeline: syslog header, JSON decoding,
 * normalization, engine. Shared by --replay and the live listeners, and
 * the owner of the per-message counters.
 */
#ifndef SIGNETD_PIPELINE_H
#define SIGNETD_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "rec.h"

struct pipeline_stats {
	uint64_t	messages;
	uint64_t	bytes;
	uint64_t	records;		/* records found in messages */
	uint64_t	decoded[REC_NKINDS];
	uint64_t	by_source[SRC_NSOURCES];
	uint64_t	by_source_kind[SRC_NSOURCES][REC_NKINDS];
	uint64_t	skipped[SKIP_NREASONS];
};

struct pipeline;

struct pipeline	*pipeline_new(struct engine *, size_t);
void		 pipeline_free(struct pipeline *);
void		 pipeline_message(struct pipeline *, const char *, size_t,
		    int64_t, int);
void		 pipeline_set_after(struct pipeline *,
		    void (*)(void *, int64_t), void *);
void		 pipeline_skip(struct pipeline *, enum skip_reason, uint64_t);
const struct pipeline_stats *pipeline_stats(const struct pipeline *);
uint64_t	 pipeline_skipped(const struct pipeline *);
uint64_t	 pipeline_decoded(const struct pipeline *);
void		 pipeline_print_stats(const struct pipeline *, FILE *);

#endif
