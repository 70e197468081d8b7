/*
 * signetd: RFC 6587 framing of a byte stream into messages, pure (no
 * libevent). Used by --replay on files and by the TCP listeners.
 */
#ifndef SIGNETD_FRAME_H
#define SIGNETD_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum frame_mode {
	FRAME_UNKNOWN = 0,	/* decided by the first byte of the stream */
	FRAME_OCTET,		/* RFC 6587 3.4.1: "LEN SP MSG" */
	FRAME_LF		/* RFC 6587 3.4.2: MSG terminated by LF, CRLF or NUL */
};

struct frame_stats {
	uint64_t	frames;		/* messages handed to the callback */
	uint64_t	bytes;
	uint64_t	too_long;	/* frames longer than max, skipped */
	uint64_t	bad_frame;	/* octet counts that do not parse */
	uint64_t	truncated;	/* stream ended inside a frame */
	uint64_t	empty;		/* empty lines or zero-length frames */
};

/*
 * Streaming framer state. The mode is chosen once per stream from its first
 * byte, as rsyslog and OpenBSD syslogd do: a digit means octet counting.
 * A frame longer than `max' is skipped to its end without buffering it.
 */
struct framer {
	enum frame_mode		mode;
	size_t			max;
	uint64_t		skip;		/* bytes still to skip */
	int			skip_lf;	/* skipping to the next LF */
	int			nul_end;	/* the caller keeps a NUL at
						   buf[len] (frame_feed(),
						   frame_eof()) */
	struct frame_stats	st;
};

typedef void (*frame_msg_cb)(void *, const char *, size_t);

void	frame_init(struct framer *, enum frame_mode, size_t);
size_t	frame_feed(struct framer *, const char *, size_t, frame_msg_cb,
	    void *);
void	frame_eof(struct framer *, const char *, size_t, frame_msg_cb,
	    void *);

#endif
