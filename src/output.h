/*
 * signetd: alert outputs. stdout and files are written at once; webhooks
 * and syslog peers are fed from a bounded queue per output (in memory or
 * spooled to disk) by asynchronous senders on the daemon's event_base,
 * so that a slow or dead peer never holds up ingestion or another output.
 */
#ifndef SIGNETD_OUTPUT_H
#define SIGNETD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alert.h"
#include "conf.h"

struct event_base;

#define OUTPUT_ERR_MAX	160

/*
 * Counted per output. queued: taken into the queue; sent: delivered (for
 * stdout and files: written); retried: alerts sent again after a failed
 * attempt; rejected: refused by the peer for good (an HTTP 4xx);
 * dropped: lost to a full queue, max_retries, max_age or a write error;
 * spooled: written to the spool; filtered: not for this output; depth:
 * alerts in the queue now.
 */
struct output_stats {
	uint64_t	queued;
	uint64_t	sent;
	uint64_t	retried;
	uint64_t	rejected;
	uint64_t	dropped;
	uint64_t	spooled;
	uint64_t	filtered;
	uint64_t	errors;		/* failed writes and attempts */
	uint64_t	depth;
	char		last_error[OUTPUT_ERR_MAX];
};

struct outputs;

int		 outputs_check(const struct conf *, FILE *);
struct outputs	*outputs_new(const struct conf *, struct event_base *, char *,
		    size_t);
void		 outputs_free(struct outputs *);
void		 outputs_emit(struct outputs *, const struct alert *);
int		 outputs_flush(struct outputs *);
int		 outputs_flush_due(struct outputs *, int64_t, int64_t);
int64_t		 outputs_drain(struct outputs *, int64_t);
int		 outputs_settled(const struct outputs *);
void		 outputs_reopen(struct outputs *);
void		 outputs_sink(struct outputs *, struct alert_sink *);
size_t		 outputs_count(const struct outputs *);
const char	*outputs_name(const struct outputs *, size_t);
const struct output_stats *outputs_stats(const struct outputs *, size_t);
void		 outputs_print_stats(const struct outputs *, FILE *);

/* Reload: prepare (may fail, changes nothing), then commit or abort. */
struct outputs_next;
struct outputs_next *outputs_prepare(struct outputs *, const struct conf *,
		    char *, size_t);
void		 outputs_commit(struct outputs *, struct outputs_next *,
		    int64_t);
void		 outputs_abort(struct outputs_next *);

#endif
