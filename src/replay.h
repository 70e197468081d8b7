/*
 * signetd: --replay: a file (or stdin) of messages, one per line or
 * octet-counted as on TCP, through the same pipeline as the daemon.
 */
#ifndef SIGNETD_REPLAY_H
#define SIGNETD_REPLAY_H

#include <stdint.h>

#include "frame.h"
#include "pipeline.h"

struct replay_stats {
	uint64_t		lines;	/* every frame or line, whatever became of it */
	uint64_t		bytes;
	struct frame_stats	frame;
};

int	replay_run(const char *, struct pipeline *, size_t,
	    int64_t (*)(void), struct replay_stats *);

#endif
