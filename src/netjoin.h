/*
 * signetd: rule netjoin (FalconFriday T1036.001-WIN-001, streamed). Holds
 * the windowed tables it joins over: signature facts by (device, sha1) and
 * (device, path), the Sysmon process table, and the per-group aggregates
 * of connections waiting for a late bad fact. Pure: no I/O, no clock.
 */
#ifndef SIGNETD_NETJOIN_H
#define SIGNETD_NETJOIN_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "conf.h"
#include "intern.h"
#include "rec.h"
#include "snapshot.h"

struct netjoin_stats {
	uint64_t	net;		/* net records seen */
	uint64_t	qualifying;
	uint64_t	not_outbound;
	uint64_t	system_pid;	/* pid 0 or 4 */
	uint64_t	not_public;
	uint64_t	no_ip;
	uint64_t	bad_ip;		/* unparsable remote address */
	uint64_t	no_key;
	uint64_t	by_proc;	/* Sysmon net keyed via the process table */
	uint64_t	by_path;	/* Sysmon net keyed by image path */
	uint64_t	facts_bad;
	uint64_t	facts_good;
	uint64_t	facts_unknown;
	uint64_t	facts_no_sha1;	/* Sysmon loads without SHA1 */
	uint64_t	matched;	/* net events matched (sum of counts) */
	uint64_t	suppressed;	/* matches held back by suppression */
	uint64_t	alerts;
	uint64_t	waited_out;	/* waiting events that expired unmatched */
	uint64_t	approx;		/* waiting events kept only as aggregate */
	uint64_t	evicted_groups;
	uint64_t	evicted_events;
	uint64_t	evicted_keys;
	uint64_t	evicted_procs;
	uint64_t	keys;		/* gauges */
	uint64_t	groups;
	uint64_t	procs;
	uint64_t	bytes;
};

struct netjoin;

struct netjoin	*netjoin_new(const struct conf *, struct intern *,
		    const struct sipkey *, const struct alert_sink *);
void		 netjoin_free(struct netjoin *);
void		 netjoin_reconf(struct netjoin *, const struct conf *);
void		 netjoin_clock(struct netjoin *, int64_t, int64_t);
void		 netjoin_fact(struct netjoin *, const struct rec *);
void		 netjoin_proc(struct netjoin *, const struct rec *);
void		 netjoin_net(struct netjoin *, const struct rec *);
size_t		 netjoin_expire(struct netjoin *, size_t);
int		 netjoin_evict(struct netjoin *);
void		 netjoin_flush(struct netjoin *);
const struct netjoin_stats *netjoin_stats(const struct netjoin *);
int		 netjoin_save(struct netjoin *, struct snapshot_w *);
int		 netjoin_restore(struct netjoin *, uint32_t,
		    struct snapshot_r *);

#endif
