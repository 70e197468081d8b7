/*
 * corpus: load a corpus of one message per line into memory (see
 * corpus.h), and the clock the senders share with the driver.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "corpus.h"

#define CORPUS_STEP	(16 * 1024 * 1024)

/*
 * Load `path', or only its first `max' lines when max is not 0 (a sender
 * that needs few lines of a big corpus then reads only those). Empty
 * lines are skipped: signetd does not count them as messages.
 */
int
corpus_load(struct corpus *c, const char *path, size_t max)
{
	size_t		 cap = 0, have = 0, want;
	ssize_t		 n;
	char		*p, *nl, *end;
	int		 fd;

	memset(c, 0, sizeof(*c));
	if ((fd = open(path, O_RDONLY)) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	/* read in 16 MiB steps until there are lines enough, or EOF */
	for (;;) {
		if (c->len + CORPUS_STEP > have) {
			have = c->len + 4 * CORPUS_STEP;
			if ((c->data = realloc(c->data, have)) == NULL)
				return (-1);
		}
		if ((n = read(fd, c->data + c->len, CORPUS_STEP)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			close(fd);
			return (-1);
		}
		if (n == 0)
			break;
		for (p = c->data + c->len, end = p + n;
		    (nl = memchr(p, '\n', end - p)) != NULL; p = nl + 1)
			c->nlines++;
		c->len += n;
		if (max > 0 && c->nlines > max)
			break;
	}
	close(fd);
	want = c->nlines + 1;
	c->nlines = 0;
	for (p = c->data, end = c->data + c->len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;		/* last line, no '\n' */
		if (nl == p)
			continue;
		if (max > 0 && c->nlines == max)
			break;
		if (c->nlines == cap) {
			cap = cap ? cap * 2 : (want < 65536 ? want : 65536);
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
