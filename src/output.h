/*
 * signetd: alert outputs of the core: stdout and files, as JSON lines or
 * text. Network outputs (webhook, syslog) plug in behind the same calls.
 */
#ifndef SIGNETD_OUTPUT_H
#define SIGNETD_OUTPUT_H

#include <stdint.h>

#include "alert.h"
#include "conf.h"

struct output_stats {
	uint64_t	written;
	uint64_t	errors;
	uint64_t	filtered;
};

struct outputs;

struct outputs	*outputs_new(const struct conf *, char *, size_t);
void		 outputs_free(struct outputs *);
void		 outputs_emit(struct outputs *, const struct alert *);
int		 outputs_flush(struct outputs *);
void		 outputs_sink(struct outputs *, struct alert_sink *);
size_t		 outputs_count(const struct outputs *);
const char	*outputs_name(const struct outputs *, size_t);
const struct output_stats *outputs_stats(const struct outputs *, size_t);

#endif
