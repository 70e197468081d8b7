/*
 * signetd: the configuration. Every option is declared once, in the table
 * in config.c (name, type, bounds, default, reloadable); this struct holds
 * the values. conf_new() gives the embedded defaults.
 */
#ifndef SIGNETD_CONF_H
#define SIGNETD_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

enum output_type {
	OUT_STDOUT = 0,
	OUT_FILE
};

enum output_format {
	FMT_TEXT = 0,
	FMT_JSON
};

struct conf_output {
	char			*name;
	enum output_type	 type;
	enum output_format	 format;
	char			*path;		/* OUT_FILE */
	int			 line;		/* where the section starts */
};

#define CONF_MAX_STATUSES	16

struct conf {
	char		*file;		/* NULL for the embedded defaults */

	/* [signetd] */
	uint64_t	 state_memory;	/* bytes */
	int64_t		 lateness;	/* µs */
	int64_t		 future_skew;	/* µs; live-mode clamp */
	uint64_t	 max_message;	/* bytes */
	int64_t		 tick;		/* µs between expiry ticks (live) */
	uint64_t	 expire_budget;	/* entries examined per tick */

	/* [rule netjoin] */
	int		 netjoin;
	int64_t		 window;	/* W, µs */
	int64_t		 suppress;	/* S, µs */
	struct cidr_list internal;

	/* [rule imageload] */
	int		 imageload;
	int64_t		 period;	/* R, µs */
	uint64_t	 threshold;	/* T */
	char		*statuses[CONF_MAX_STATUSES];
	size_t		 nstatuses;

	/* [output NAME] */
	struct conf_output *outputs;
	size_t		 noutputs;
};

struct conf	*conf_new(void);
void		 conf_free(struct conf *);
int		 conf_load(struct conf *, const char *, FILE *);
void		 conf_dump(const struct conf *, FILE *);
int		 conf_parse_duration(const char *, int64_t *);
int		 conf_parse_size(const char *, uint64_t *);

/* The option table, for tests that check the docs name every option. */
size_t		 conf_option_count(void);
const char	*conf_option_name(size_t);
const char	*conf_option_section(size_t);

#endif
