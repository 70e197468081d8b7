/*
 * signetd: what output.c shares with the network transports
 * (output_webhook.c, output_syslog.c) and with the tests: the output
 * object, the transport operations, the delivery verdicts and the retry
 * policy.
 *
 * A network output is IDLE (nothing in flight), BUSY (a batch handed to
 * the transport, which reports once with output_done()) or BACKOFF
 * (waiting to retry). One timer per output serves as the transport's
 * deadline while BUSY and as the retry timer while BACKOFF.
 */
#ifndef SIGNETD_OUTPUT_INT_H
#define SIGNETD_OUTPUT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "output.h"
#include "outq.h"
#include "render.h"

struct event;
struct event_base;
struct evdns_base;
struct output;

enum output_state {
	OUTPUT_IDLE = 0,
	OUTPUT_BUSY,
	OUTPUT_BACKOFF
};

enum output_verdict {
	OUTPUT_OK = 0,		/* delivered */
	OUTPUT_RETRY,		/* not delivered; try again later */
	OUTPUT_REJECT		/* refused for good; do not retry */
};

/*
 * A transport. open: set up from the conf (no I/O yet). send: start
 * delivering the batch, copying the bytes it needs; it reports the
 * outcome later through output_done(), never from within send (-1: it
 * could not even start; the batch is retried). timeout: the output's
 * timer fired while BUSY; return 1 if the transport re-armed it and goes
 * on waiting, 0 to give up (it has cancelled the delivery). close: free.
 */
struct output_ops {
	int	(*open)(struct output *, char *, size_t);
	int	(*send)(struct output *, const struct outq_item *, size_t);
	int	(*timeout)(struct output *);
	void	(*close)(struct output *);
	size_t	(*batch)(const struct output *);
};

struct output {
	char			*name;
	struct conf_output	*co;		/* owned: a copy */
	struct outputs		*os;		/* borrowed: the owner */
	enum output_type	 type;
	enum output_format	 format;
	unsigned int		 rules;		/* bit per enum alert_rule */
	int			 min_severity;
	struct output_stats	 stats;

	/* stdout and file */
	FILE			*fp;
	char			*path;
	char			*iobuf;

	/* webhook and syslog */
	const struct output_ops	*ops;
	void			*impl;
	struct outq		*q;
	struct event		*timer;
	enum output_state	 state;
	size_t			 inflight;	/* alerts in the batch */
	uint64_t		 attempt;	/* retries of this batch */
	uint64_t		 rng;
	struct render_syslog	 rs;
	char			*hostname;
	int64_t			 droplog;	/* when drops were last logged */
	uint64_t		 droplogged;	/* stats.dropped then */
	struct log_rate		 reject_log;	/* "alerts refused" lines */
	int64_t			 retire_by;	/* removed: deadline */
};

extern const struct output_ops output_webhook_ops;
extern const struct output_ops output_syslog_ops;

int		 output_webhook_check(const struct conf_output *, char *,
		    size_t);
int		 output_syslog_check(const struct conf_output *, char *,
		    size_t);

/* output.c, for the transports. */
struct event_base *output_base(const struct output *);
struct evdns_base *output_dns(struct output *);
void		 output_done(struct output *, enum output_verdict, int64_t,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
void		 output_arm(struct output *, int64_t);
int64_t		 output_now(void);
SSL_CTX		*output_tls_ctx(const struct output *, char *, size_t);
SSL		*output_tls_ssl(SSL_CTX *, const char *, int);

/* The retry policy, pure. */
enum output_verdict output_http_verdict(int);
int64_t		 output_backoff(int64_t, int64_t, uint64_t, uint64_t);
int64_t		 output_retry_after(const char *, int64_t, int64_t);
uint64_t	 output_rand(uint64_t *);

#endif
