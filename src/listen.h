/*
 * signetd: live inputs. UDP (one message per datagram), TCP and TLS
 * (RFC 6587 framing, RFC 5425) listeners, with sender allow-lists,
 * connection limits, idle and handshake timeouts, and back-off when the
 * process runs out of file descriptors. Every message goes to the
 * pipeline with its arrival time; every drop is counted here.
 */
#ifndef SIGNETD_LISTEN_H
#define SIGNETD_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "pipeline.h"

struct event_base;

struct listen_stats {
	/* TCP and TLS */
	uint64_t	accepted;
	uint64_t	active;		/* gauge */
	uint64_t	refused_allow;	/* sender not in allow */
	uint64_t	refused_limit;	/* max_connections or max_per_source */
	uint64_t	idle_closed;
	uint64_t	handshake_failed;
	uint64_t	accept_errors;
	uint64_t	fd_backoffs;	/* EMFILE/ENFILE pauses */
	uint64_t	closed_mid_frame;	/* frames lost to a close */
	/* UDP */
	uint64_t	datagrams;
	uint64_t	truncated;	/* datagram larger than max_message */
	uint64_t	kernel_drops;	/* SO_RXQ_OVFL */
	uint64_t	refused_datagrams;	/* sender not in allow */
	/* all */
	uint64_t	bytes;
	uint64_t	messages;	/* handed to the pipeline */
	uint64_t	too_long;
	uint64_t	bad_frame;
	uint64_t	empty;
};

struct listeners;

struct listeners *listeners_new(struct event_base *, const struct conf *,
		    struct pipeline *, int64_t (*)(void), char *, size_t);
void		 listeners_stop(struct listeners *);
void		 listeners_drain(struct listeners *);
void		 listeners_free(struct listeners *);
size_t		 listeners_count(const struct listeners *);
const char	*listeners_name(const struct listeners *, size_t);
const char	*listeners_describe(const struct listeners *, size_t);
const struct listen_stats *listeners_stats(const struct listeners *, size_t);
void		 listeners_log_drops(struct listeners *);

/* Reload: prepare (may fail, changes nothing), then commit or abort. */
struct listeners_next;
struct listeners_next *listeners_prepare(struct listeners *,
		    const struct conf *, const struct conf *, char *, size_t);
void		 listeners_commit(struct listeners *, struct listeners_next *);
void		 listeners_abort(struct listeners_next *);

#endif
