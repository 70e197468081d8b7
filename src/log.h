/*
 * signetd: logging to stderr with levels, in the OpenBSD log.c manner.
 * fatal*() are for broken invariants and OOM only; no input reaches them.
 */
#ifndef SIGNETD_LOG_H
#define SIGNETD_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level {
	LOG_LVL_WARN = 0,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

/*
 * A problem that can come once per message or connection is logged at
 * most LOG_RATE_BURST times per LOG_RATE_INTERVAL for each struct
 * log_rate (one per kind of problem, kept by whoever logs it); the rest
 * are counted and summed up in one line when the interval is over.
 */
#define LOG_RATE_BURST		5
#define LOG_RATE_INTERVAL	(60 * INT64_C(1000000))	/* µs */

struct log_rate {
	int64_t		 start;		/* µs: the interval began */
	unsigned int	 n;		/* lines logged in it */
	uint64_t	 suppressed;	/* lines not logged in it */
};

void	log_init(int, const char *);
void	log_child(void);
int	log_rate(struct log_rate *, int64_t, const char *);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
