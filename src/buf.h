/*
 * signetd: a growable byte buffer with the JSON writing helpers alerts need.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD so the output is always valid JSON whatever the input held.
 */
#ifndef SIGNETD_BUF_H
#define SIGNETD_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Once anything has been written, p[len] is a NUL (not counted in len). */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
void	buf_clear(struct buf *);	/* frees */
void	buf_reset(struct buf *);	/* len = 0, keeps memory */
void	buf_add(struct buf *, const void *, size_t);
void	buf_addc(struct buf *, char);
void	buf_adds(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_json_str(struct buf *, const char *, size_t);
void	buf_text_str(struct buf *, const char *, size_t);
size_t	buf_utf8(const char *, size_t, size_t *);

#endif
