/*
 * signetd: rule imageload (the Sumo Logic and QRadar queries): image loads
 * whose signature is present but invalid, counted over tumbling windows of
 * event time; a real-time alert for the first load of a group in a window
 * and a report of the rare groups when the window closes. Pure.
 */
#ifndef SIGNETD_IMAGELOAD_H
#define SIGNETD_IMAGELOAD_H

#include <stdint.h>

#include "alert.h"
#include "conf.h"
#include "intern.h"
#include "rec.h"
#include "snapshot.h"

struct imageload_stats {
	uint64_t	loads;
	uint64_t	qualifying;
	uint64_t	late;		/* window already reported */
	uint64_t	untracked;	/* new groups over the memory share */
	uint64_t	alerts;
	uint64_t	reports;
	uint64_t	windows;	/* gauges */
	uint64_t	groups;
	uint64_t	bytes;
};

struct imageload;

struct imageload *imageload_new(const struct conf *, struct intern *,
		    const struct sipkey *, const struct alert_sink *);
void		 imageload_free(struct imageload *);
void		 imageload_reconf(struct imageload *, const struct conf *);
void		 imageload_clock(struct imageload *, int64_t, int64_t);
void		 imageload_load(struct imageload *, const struct rec *);
void		 imageload_flush(struct imageload *);
const struct imageload_stats *imageload_stats(const struct imageload *);
int		 imageload_save(const struct imageload *, struct snapshot_w *);
int		 imageload_restore(struct imageload *, struct snapshot_r *,
		    int64_t, uint64_t, const char *const *, size_t);

#endif
