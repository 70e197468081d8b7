/*
 * signetd: --replay (see replay.h). Reads in large blocks and frames with
 * the same streaming framer as the TCP listeners; the framing is chosen
 * by the first byte of the input. The block is kept NUL-terminated, so
 * the framer finds a line's end in one pass (struct framer's nul_end).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "replay.h"
#include "xmalloc.h"

#define REPLAY_BLOCK	(1024 * 1024)

struct replay_ctx {
	struct pipeline	*p;
	int64_t		(*clock)(void);
};

static void
replay_msg_cb(void *arg, const char *msg, size_t len)
{
	struct replay_ctx	*rc = arg;

	pipeline_message(rc->p, msg, len, rc->clock(), 0);
}

static void
replay_account(struct pipeline *p, struct replay_stats *rs)
{
	const struct frame_stats	*fs = &rs->frame;

	pipeline_skip(p, SKIP_EMPTY, fs->empty);
	pipeline_skip(p, SKIP_TOO_LONG, fs->too_long);
	pipeline_skip(p, SKIP_BAD_FRAME, fs->bad_frame + fs->truncated);
	rs->lines = fs->frames + fs->empty + fs->too_long + fs->bad_frame +
	    fs->truncated;
}

/*
 * Replay `path' ("-" for stdin). `clock' gives the wall-clock time that
 * stamps alerts. Returns 0, or -1 when the input cannot be read.
 */
int
replay_run(const char *path, struct pipeline *p, size_t max_message,
    int64_t (*clock)(void), struct replay_stats *rs)
{
	struct replay_ctx	 rc = { p, clock };
	struct framer		 fr;
	char			*buf;
	size_t			 cap, len = 0, used;
	ssize_t			 n;
	int			 fd, rv = 0;

	memset(rs, 0, sizeof(*rs));
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("replay: %s", path);
		return (-1);
	}
	cap = max_message + 64 > REPLAY_BLOCK ? max_message + 64 : REPLAY_BLOCK;
	cap *= 2;
	buf = xmalloc(cap + 1);		/* + the NUL after the data */
	frame_init(&fr, FRAME_UNKNOWN, max_message);
	fr.nul_end = 1;
	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("replay: %s", path);
			rv = -1;
			break;
		}
		if (n == 0)
			break;
		rs->bytes += (uint64_t)n;
		len += (size_t)n;
		buf[len] = '\0';
		used = frame_feed(&fr, buf, len, replay_msg_cb, &rc);
		memmove(buf, buf + used, len - used);
		len -= used;
	}
	if (rv == 0) {
		buf[len] = '\0';
		frame_eof(&fr, buf, len, replay_msg_cb, &rc);
	}
	rs->frame = fr.st;
	replay_account(p, rs);
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return (rv);
}
