/*
 * signetd: allocation wrappers that call fatal() on exhaustion, so callers
 * never test for NULL (tmux xmalloc.c).
 */
#ifndef SIGNETD_XMALLOC_H
#define SIGNETD_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);

#endif
