/*
 * signetd: RFC 6587 framing of a byte stream into messages. Pure: the
 * caller owns the buffer, we only say how much of it we consumed.
 *
 * The caller appends what it reads to a buffer, calls frame_feed(), keeps
 * the unconsumed tail and presents it again followed by more data. A frame
 * is only delivered whole, so the buffer must hold max + 11 bytes (an
 * octet count of 10 digits and its SP; a line of max bytes and CR LF);
 * anything longer is discarded here as it arrives, never buffered.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "frame.h"

#define OCTET_DIGITS	10	/* longest MSG-LEN we read before giving up */

static size_t		 frame_detect(struct framer *, const char *, size_t);
static size_t		 frame_step(struct framer *, const char *, size_t,
			    frame_msg_cb, void *);
static const char	*frame_eol(const struct framer *, const char *,
			    size_t);
static size_t		 frame_skip(struct framer *, const char *, size_t);
static void		 frame_deliver(struct framer *, const char *, size_t,
			    frame_msg_cb, void *);
static void		 frame_line(struct framer *, const char *, size_t,
			    frame_msg_cb, void *);
static size_t		 frame_lf(struct framer *, const char *, size_t,
			    frame_msg_cb, void *);
static int		 frame_octet_len(const char *, size_t, uint64_t *,
			    size_t *);
static size_t		 frame_octet_bad(struct framer *, const char *,
			    size_t);
static size_t		 frame_octet(struct framer *, const char *, size_t,
			    frame_msg_cb, void *);

void
frame_init(struct framer *fr, enum frame_mode mode, size_t max)
{
	memset(fr, 0, sizeof(*fr));
	fr->mode = mode;
	fr->max = max;
}

/*
 * Choose the framing from the first byte that is not white space, as
 * rsyslog and OpenBSD syslogd do: RFC 6587 3.4.1 frames start with a
 * NONZERO-DIGIT, while a JSON line or a syslog header never does. Blank
 * lines before the first message are counted as empty lines.
 */
static size_t
frame_detect(struct framer *fr, const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n' || buf[i] == '\0')
			fr->st.empty++;
		else if (buf[i] != '\r' && buf[i] != ' ' && buf[i] != '\t')
			break;
	}
	if (i < len)
		fr->mode = buf[i] >= '1' && buf[i] <= '9' ?
		    FRAME_OCTET : FRAME_LF;
	return (i);
}

/*
 * Find where the current line ends: at LF, or in LF framing also at NUL,
 * which some senders use as the trailer (RFC 6587 3.4.2).
 */
static const char *
frame_eol(const struct framer *fr, const char *buf, size_t len)
{
	const char	*lf, *nul;

	if (fr->mode == FRAME_LF && fr->nul_end) {
		/*
		 * One pass instead of two: strchrnul stops at a LF or at a
		 * NUL, and the caller's NUL at buf[len] bounds it.
		 */
		lf = strchrnul(buf, '\n');
		return (lf < buf + len ? lf : NULL);
	}
	lf = memchr(buf, '\n', len);
	if (fr->mode != FRAME_LF)
		return (lf);
	nul = memchr(buf, '\0', lf != NULL ? (size_t)(lf - buf) : len);
	return (nul != NULL ? nul : lf);
}

/* Discard the rest of a frame that was too long or did not parse. */
static size_t
frame_skip(struct framer *fr, const char *buf, size_t len)
{
	const char	*eol;
	size_t		 n;

	if (fr->skip > 0) {
		n = fr->skip < len ? (size_t)fr->skip : len;
		fr->skip -= n;
		return (n);
	}
	if ((eol = frame_eol(fr, buf, len)) == NULL)
		return (len);
	fr->skip_lf = 0;
	return ((size_t)(eol - buf) + 1);
}

/* Hand one message to the callback, or count why it was not. */
static void
frame_deliver(struct framer *fr, const char *msg, size_t n,
    frame_msg_cb cb, void *arg)
{
	if (n == 0) {
		fr->st.empty++;
		return;
	}
	if (n > fr->max) {
		fr->st.too_long++;
		return;
	}
	fr->st.frames++;
	fr->st.bytes += n;
	cb(arg, msg, n);
}

/* A line without its terminator: drop the CR of a CR LF pair. */
static void
frame_line(struct framer *fr, const char *msg, size_t n, frame_msg_cb cb,
    void *arg)
{
	if (n > 0 && msg[n - 1] == '\r')
		n--;
	frame_deliver(fr, msg, n, cb, arg);
}

/*
 * RFC 6587 3.4.2, non-transparent framing. Without a terminator we wait
 * until more than max + 1 bytes (a full line and its CR) are buffered;
 * then the line can only be too long, so it is dropped here and the rest
 * of it is skipped as it arrives.
 */
static size_t
frame_lf(struct framer *fr, const char *buf, size_t len, frame_msg_cb cb,
    void *arg)
{
	const char	*eol;

	if ((eol = frame_eol(fr, buf, len)) == NULL) {
		if (len - 1 <= fr->max)
			return (0);
		fr->st.too_long++;
		fr->skip_lf = 1;
		return (len);
	}
	frame_line(fr, buf, (size_t)(eol - buf), cb, arg);
	return ((size_t)(eol - buf) + 1);
}

/*
 * Read MSG-LEN SP (RFC 6587 3.4.1: MSG-LEN = NONZERO-DIGIT *DIGIT). We
 * also take "0 " as an empty frame, which costs nothing and is what a
 * naive sender writes for an empty message. Returns 1 with the length and
 * header size, 0 when more bytes are needed, -1 when it cannot be a count:
 * a non-digit, a leading zero, a missing SP or more than OCTET_DIGITS
 * digits (a length that large is refused by max anyway).
 */
static int
frame_octet_len(const char *buf, size_t len, uint64_t *mlen, size_t *hdr)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < len && i <= OCTET_DIGITS && buf[i] != ' '; i++) {
		if (buf[i] < '0' || buf[i] > '9' || (i == 1 && buf[0] == '0'))
			return (-1);
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	if (i > OCTET_DIGITS)
		return (-1);
	if (i == len)
		return (0);
	if (i == 0)
		return (-1);
	*mlen = v;
	*hdr = i + 1;
	return (1);
}

/*
 * A count that does not parse loses our place in the stream: the length
 * that would lead to the next frame is the broken part. We resynchronise
 * at the next LF, betting that the sender is really line oriented or that
 * its garbage ends with a line; the rest of the line is discarded and the
 * frame counted once as bad. The alternative, scanning for the next
 * "digits SP", would take digits inside a message body for a count.
 */
static size_t
frame_octet_bad(struct framer *fr, const char *buf, size_t len)
{
	fr->st.bad_frame++;
	fr->skip_lf = 1;
	return (frame_skip(fr, buf, len));
}

/*
 * RFC 6587 3.4.1, octet counting. A CR, LF or NUL where a count should
 * start is taken as a trailer some senders append after each frame and
 * skipped. A frame longer than max is consumed as far as it is present
 * and the rest is remembered in fr->skip.
 */
static size_t
frame_octet(struct framer *fr, const char *buf, size_t len,
    frame_msg_cb cb, void *arg)
{
	uint64_t	mlen;
	size_t		hdr, avail, n;
	int		r;

	if (buf[0] == '\n' || buf[0] == '\r' || buf[0] == '\0')
		return (1);
	if ((r = frame_octet_len(buf, len, &mlen, &hdr)) == 0)
		return (0);
	if (r == -1)
		return (frame_octet_bad(fr, buf, len));
	avail = len - hdr;
	if (mlen > fr->max) {
		fr->st.too_long++;
		n = mlen < avail ? (size_t)mlen : avail;
		fr->skip = mlen - n;
		return (hdr + n);
	}
	if (mlen > avail)
		return (0);
	frame_deliver(fr, buf + hdr, (size_t)mlen, cb, arg);
	return (hdr + (size_t)mlen);
}

/* Consume at most one frame, or bytes being skipped; 0 means need more. */
static size_t
frame_step(struct framer *fr, const char *buf, size_t len, frame_msg_cb cb,
    void *arg)
{
	if (fr->skip > 0 || fr->skip_lf)
		return (frame_skip(fr, buf, len));
	if (fr->mode == FRAME_OCTET)
		return (frame_octet(fr, buf, len, cb, arg));
	return (frame_lf(fr, buf, len, cb, arg));
}

/*
 * Deliver every complete frame in buf and return how many bytes were
 * consumed. The work is bounded by len: each step consumes at least one
 * byte or stops.
 */
size_t
frame_feed(struct framer *fr, const char *buf, size_t len, frame_msg_cb cb,
    void *arg)
{
	size_t	off = 0, n;

	if (fr->mode == FRAME_UNKNOWN)
		off = frame_detect(fr, buf, len);
	if (fr->mode == FRAME_UNKNOWN)
		return (off);
	while (off < len &&
	    (n = frame_step(fr, buf + off, len - off, cb, arg)) > 0)
		off += n;
	return (off);
}

/*
 * The stream ended with `tail' unconsumed. In LF framing a last line
 * without its LF is still a message (a file without a final newline); in
 * octet counting an incomplete frame is counted as truncated.
 */
void
frame_eof(struct framer *fr, const char *tail, size_t len, frame_msg_cb cb,
    void *arg)
{
	size_t	off;

	off = frame_feed(fr, tail, len, cb, arg);
	if (off < len) {
		if (fr->mode == FRAME_LF)
			frame_line(fr, tail + off, len - off, cb, arg);
		else
			fr->st.truncated++;
	}
	fr->skip = 0;
	fr->skip_lf = 0;
}
