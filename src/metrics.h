/*
 * signetd: the counters as metrics. One function collects every number
 * the modules keep into a neutral list of samples (family, help, type,
 * labels, value); two renderers read that list: the Prometheus text
 * exposition format (0.0.4) served over HTTP at GET /metrics, and the
 * log form that SIGUSR1 and the end of --replay print, one
 * "signetd: metric " line per sample, so both show the same numbers.
 */
#ifndef SIGNETD_METRICS_H
#define SIGNETD_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"

struct buf;
struct engine;
struct enrich;
struct event_base;
struct listeners;
struct outputs;
struct pipeline;

#define METRIC_MAX_LABELS	3

enum metric_type {
	METRIC_COUNTER = 0,
	METRIC_GAUGE
};

/* A family: every sample of one name shares its help, type and labels. */
struct metric_family {
	const char		*name;
	const char		*help;
	enum metric_type	 type;
	size_t			 nlabels;
	const char		*labels[METRIC_MAX_LABELS];
};

/* One sample. Label values are borrowed until the list is reset. */
struct metric {
	const struct metric_family *fam;
	const char		*values[METRIC_MAX_LABELS];
	uint64_t		 value;
};

/* Samples of one family are added one after the other. */
struct metric_list {
	struct metric		*v;
	size_t			 n;
	size_t			 cap;
};

/* What the numbers come from; NULL for a part that does not run. */
struct metrics_sources {
	const struct pipeline	*pipe;
	struct engine		*engine;
	const struct enrich	*enrich;
	const struct outputs	*out;
	const struct listeners	*lis;
	uint64_t		 state_memory;	/* the budget, bytes */
	int			 state_file;	/* set: the saves below */
	uint64_t		 saves;
	uint64_t		 save_failures;
	int64_t			 start;		/* wall clock, µs */
	int64_t			 now;
};

struct metrics;

void		 metric_list_init(struct metric_list *);
void		 metric_list_clear(struct metric_list *);
void		 metric_add(struct metric_list *,
		    const struct metric_family *, uint64_t, ...);
void		 metrics_collect(struct metric_list *,
		    const struct metrics_sources *);
void		 metrics_render_prom(const struct metric_list *,
		    struct buf *);
void		 metrics_render_log(const struct metric_list *, FILE *);
void		 metrics_print(const struct metrics_sources *, FILE *);

struct metrics	*metrics_new(struct event_base *, const struct conf *,
		    void (*)(void *, struct metrics_sources *), void *,
		    char *, size_t);
int		 metrics_reload(struct metrics *, const struct conf *);
void		 metrics_free(struct metrics *);

#endif
