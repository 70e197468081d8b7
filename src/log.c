/*
 * signetd: logging to stderr with levels.
 * When stderr is the journal (JOURNAL_STREAM set) lines carry the <N>
 * priority prefix sd-daemon(3) describes, so the journal keeps the level.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/*
 * The log module is the one place that keeps process-wide settings:
 * verbosity is set once at start and read by every module, and passing a
 * context through every log call would only add noise.
 */
static int		 log_verbose;
static int		 log_journal;
static int		 log_in_child;
static const char	*log_tag = "signetd";

static void	 log_vlog(int, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/*
 * Whether stderr is the journal: JOURNAL_STREAM holds the device and
 * inode of the stream systemd connected, and is inherited by whatever a
 * service runs, stderr redirected or not (a test suite run by a CI
 * service writes to files). Only that very stream gets <N> prefixes.
 */
static int
log_is_journal(void)
{
	const char		*s = getenv("JOURNAL_STREAM");
	struct stat		 sb;
	unsigned long long	 dev, ino;
	int			 n = 0;

	if (s == NULL || sscanf(s, "%llu:%llu%n", &dev, &ino, &n) != 2 ||
	    s[n] != '\0' || fstat(STDERR_FILENO, &sb) == -1)
		return (0);
	return ((unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino);
}

void
log_init(int verbose, const char *tag)
{
	log_verbose = verbose;
	log_journal = log_is_journal();
	if (tag != NULL)
		log_tag = tag;
}

/*
 * In a forked child that shares stdio buffers with the daemon (a state
 * save): fatal*() then leave with _exit(), which flushes nothing, so an
 * output's buffered alerts are not written a second time.
 */
void
log_child(void)
{
	log_in_child = 1;
}

static _Noreturn void
log_exit(int status)
{
	if (log_in_child)
		_exit(status);
	exit(status);
}

/*
 * Whether a line of this kind may be logged at time now (µs). When a new
 * interval begins, the lines the last one held back are summed up first,
 * under what (the kind, as the operator should read it).
 */
int
log_rate(struct log_rate *r, int64_t now, const char *what)
{
	if (now < r->start || now - r->start >= LOG_RATE_INTERVAL) {
		if (r->suppressed > 0)
			log_warnx("%s: %llu more not logged in the last %d s",
			    what, (unsigned long long)r->suppressed,
			    (int)(LOG_RATE_INTERVAL / 1000000));
		r->start = now;
		r->n = 0;
		r->suppressed = 0;
	}
	if (r->n < LOG_RATE_BURST) {
		r->n++;
		return (1);
	}
	r->suppressed++;
	return (0);
}

/* Syslog priorities for the journal prefix: err, warning, info, debug. */
static void
log_vlog(int prio, const char *errstr, const char *fmt, va_list ap)
{
	char	 buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", prio);
	else
		fprintf(stderr, "%s: ", log_tag);
	if (errstr != NULL)
		fprintf(stderr, "%s: %s\n", buf, errstr);
	else
		fprintf(stderr, "%s\n", buf);
	fflush(stderr);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(4, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(4, NULL, fmt, ap);
	va_end(ap);
}

/* Shown at every verbosity: start-up and stop, what operators expect. */
void
log_notice(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(5, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < LOG_LVL_INFO)
		return;
	va_start(ap, fmt);
	log_vlog(6, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose < LOG_LVL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vlog(7, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(3, strerror(saved), fmt, ap);
	va_end(ap);
	log_exit(2);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(3, NULL, fmt, ap);
	va_end(ap);
	log_exit(2);
}
