/*
 * corpus: a benchmark corpus (one message per line) loaded into memory,
 * so that reading the file is never part of what a sender times.
 */
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include <stddef.h>

struct corpus {
	char	 *data;		/* the file, every '\n' kept */
	size_t	  len;
	char	**line;		/* start of each line */
	size_t	 *linelen;	/* without its '\n' */
	size_t	  nlines;
};

int	corpus_load(struct corpus *, const char *, size_t);
void	corpus_free(struct corpus *);
double	corpus_now(void);
void	corpus_sleep_until(double);

#endif /* BENCH_CORPUS_H */
