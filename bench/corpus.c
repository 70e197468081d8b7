/*
 * corpus: load a corpus of one message per line into memory (see
 * corpus.h), and the clock the senders share with the driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"

/* Empty lines are skipped: signetd does not count them as messages. */
int
corpus_load(struct corpus *c, const char *path)
{
	struct stat	 sb;
	size_t		 off, cap = 0;
	ssize_t		 n;
	char		*p, *nl;
	int		 fd;

	memset(c, 0, sizeof(*c));
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	if ((c->data = malloc(sb.st_size + 1)) == NULL)
		return (-1);
	for (off = 0; off < (size_t)sb.st_size; off += n)
		if ((n = read(fd, c->data + off, sb.st_size - off)) <= 0) {
			fprintf(stderr, "%s: short read\n", path);
			close(fd);
			return (-1);
		}
	close(fd);
	c->len = sb.st_size;
	for (p = c->data; p < c->data + c->len; p = nl + 1) {
		if ((nl = memchr(p, '\n', c->data + c->len - p)) == NULL)
			nl = c->data + c->len;	/* last line, no '\n' */
		if (nl == p)
			continue;
		if (c->nlines == cap) {
			cap = cap ? cap * 2 : 65536;
			c->line = realloc(c->line, cap * sizeof(*c->line));
			c->linelen = realloc(c->linelen,
			    cap * sizeof(*c->linelen));
			if (c->line == NULL || c->linelen == NULL)
				return (-1);
		}
		c->line[c->nlines] = p;
		c->linelen[c->nlines++] = nl - p;
	}
	return (0);
}

void
corpus_free(struct corpus *c)
{
	free(c->data);
	free(c->line);
	free(c->linelen);
}

/* CLOCK_MONOTONIC, as Python's time.monotonic() on Linux. */
double
corpus_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

void
corpus_sleep_until(double t)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}
