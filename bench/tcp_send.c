/*
 * tcp_send: push a corpus (one message per line) over one TCP connection,
 * newline-framed or octet-counted (RFC 6587), as fast as the receiver
 * takes it or paced at a given rate; optionally measure, for probe
 * messages, the time from send to the alert in an output file.
 *
 *	tcp_send [-ov] [-r rate] [-t alertfile] [-w wait] host port file
 *
 * -o frames with octet counts (default: LF). -r sends `rate' messages per
 * second on a 100 µs tick (default: unpaced, 1 MiB writes). The framed
 * stream is built in memory before the connection is made, so neither
 * reading nor framing is part of what is timed.
 *
 * -t: probe messages are those whose InitiatingProcessSHA1 starts with
 * PROBE_MARK; the 32 hex digits after it are the probe's id. A probe
 * always ends the write it is in, and its send time is taken just before
 * that write. A second thread follows `alertfile' with inotify and, on
 * each change, reads what was appended and takes the time at once; an
 * alert line carrying the probe's sha1 marks it seen. Latency is the
 * difference, both from CLOCK_MONOTONIC. After the last write, up to
 * `wait' seconds (default 5) are given for the last alerts. -v lists
 * every probe on stderr: id, send time from the start, latency (µs).
 *
 * Output, one line on stdout:
 *	messages N bytes B start T0 end T1 [probes P seen S p50 X p99 Y max Z]
 * T0 and T1 on CLOCK_MONOTONIC (seconds; the driver's clock too), the
 * latencies in microseconds.
 */
#include <sys/inotify.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"

#define PROBE_MARK	"ffffbe4c"
#define PROBE_FIELD	"\"InitiatingProcessSHA1\":\"" PROBE_MARK
#define WRITE_MAX	(1024 * 1024)
#define TICK		0.0001

struct stream {
	char		*buf;		/* framed messages */
	size_t		 len;
	size_t		*end;		/* end offset of each message */
	long		*probe;		/* probe id per message, or -1 */
	size_t		 n;
};

struct tail {
	const char	*path;
	double		*seen;		/* per probe id, 0: not yet */
	long		 nprobes;
	atomic_long	 nseen;
	atomic_int	 stop;
};

static long
probe_id(const char *p, size_t n)
{
	const char	*m;
	char		 hex[17];

	if ((m = memmem(p, n, PROBE_FIELD, sizeof(PROBE_FIELD) - 1)) == NULL)
		return (-1);
	m += sizeof(PROBE_FIELD) - 1 + 16;	/* the low 16 of 32 digits */
	if (m + 16 > p + n)
		return (-1);
	memcpy(hex, m, 16);
	hex[16] = '\0';
	return (strtol(hex, NULL, 16));
}

static int
stream_build(struct stream *s, const struct corpus *c, int octet)
{
	char	*w;
	size_t	 i, cap = c->len + c->nlines * 12;

	if ((s->buf = malloc(cap)) == NULL ||
	    (s->end = calloc(c->nlines, sizeof(*s->end))) == NULL ||
	    (s->probe = calloc(c->nlines, sizeof(*s->probe))) == NULL)
		return (-1);
	w = s->buf;
	for (i = 0; i < c->nlines; i++) {
		if (octet)
			w += sprintf(w, "%zu ", c->linelen[i]);
		memcpy(w, c->line[i], c->linelen[i]);
		w += c->linelen[i];
		if (!octet)
			*w++ = '\n';
		s->end[i] = w - s->buf;
		s->probe[i] = probe_id(c->line[i], c->linelen[i]);
	}
	s->n = c->nlines;
	s->len = w - s->buf;
	return (0);
}

static int
dial(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, one = 1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "tcp_send: %s: %s\n", host, gai_strerror(e));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		fprintf(stderr, "tcp_send: connect %s:%s: %s\n", host, port,
		    strerror(errno));
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return (fd);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tcp_send: write: %s\n",
			    strerror(errno));
			return (-1);
		}
		p += w;
		n -= w;
	}
	return (0);
}

/* Look for probe sha1s in the complete lines of [p, p + n). */
static void
tail_scan(struct tail *t, const char *p, size_t n, double now)
{
	const char	*m, *end = p + n;
	char		 hex[17];
	long		 id;

	while ((m = memmem(p, end - p, PROBE_MARK, sizeof(PROBE_MARK) - 1))
	    != NULL) {
		p = m + sizeof(PROBE_MARK) - 1;
		if (end - p < 32)
			break;
		memcpy(hex, p + 16, 16);
		hex[16] = '\0';
		id = strtol(hex, NULL, 16);
		if (id >= 0 && id < t->nprobes && t->seen[id] == 0) {
			t->seen[id] = now;
			atomic_fetch_add(&t->nseen, 1);
		}
		p += 32;
	}
}

static void *
tail_run(void *arg)
{
	struct tail	*t = arg;
	struct pollfd	 pfd;
	char		 ev[4096], *buf;
	size_t		 cap = 1 << 20, len = 0, keep;
	ssize_t		 n;
	double		 now;
	char		*nl;
	int		 fd;

	if ((fd = open(t->path, O_RDONLY)) == -1 ||
	    (pfd.fd = inotify_init1(IN_NONBLOCK)) == -1 ||
	    inotify_add_watch(pfd.fd, t->path, IN_MODIFY) == -1 ||
	    (buf = malloc(cap)) == NULL) {
		fprintf(stderr, "tcp_send: tail %s: %s\n", t->path,
		    strerror(errno));
		return (NULL);
	}
	pfd.events = POLLIN;
	while (!atomic_load(&t->stop)) {
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		while (read(pfd.fd, ev, sizeof(ev)) > 0)
			;
		while ((n = read(fd, buf + len, cap - len)) > 0) {
			now = corpus_now();
			len += n;
			if ((nl = memrchr(buf, '\n', len)) == NULL) {
				if (len == cap)
					len = 0;	/* no line this long */
				continue;
			}
			tail_scan(t, buf, nl + 1 - buf, now);
			keep = buf + len - (nl + 1);
			memmove(buf, nl + 1, keep);
			len = keep;
		}
	}
	free(buf);
	close(fd);
	close(pfd.fd);
	return (NULL);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static void
usage(void)
{
	fprintf(stderr, "usage: tcp_send [-ov] [-r rate] [-t alertfile] "
	    "[-w wait] host port file\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct corpus	 c;
	struct stream	 s;
	struct tail	 t;
	pthread_t	 th;
	const char	*alerts = NULL;
	double		 rate = 0, wait = 5, t0, t1, next, *sent = NULL, *lat;
	size_t		 i, j, off, goal;
	long		 k, maxid = -1;
	int		 ch, fd, octet = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "or:t:vw:")) != -1) {
		switch (ch) {
		case 'o':
			octet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 't':
			alerts = optarg;
			break;
		case 'w':
			wait = atof(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		usage();
	if (corpus_load(&c, argv[2], 0) == -1 || stream_build(&s, &c, octet) == -1)
		return (1);
	corpus_free(&c);

	memset(&t, 0, sizeof(t));
	if (alerts != NULL) {
		for (i = 0; i < s.n; i++)
			if (s.probe[i] > maxid)
				maxid = s.probe[i];
		t.path = alerts;
		t.nprobes = maxid + 1;
		t.seen = calloc(t.nprobes + 1, sizeof(*t.seen));
		sent = calloc(t.nprobes + 1, sizeof(*sent));
		if (t.seen == NULL || sent == NULL ||
		    pthread_create(&th, NULL, tail_run, &t) != 0)
			return (1);
	}
	if ((fd = dial(argv[0], argv[1])) == -1)
		return (1);

	t0 = corpus_now();
	if (rate <= 0) {
		for (off = 0; off < s.len; off += j) {
			j = s.len - off < WRITE_MAX ? s.len - off : WRITE_MAX;
			if (write_all(fd, s.buf + off, j) == -1)
				return (1);
		}
	} else {
		/* message i is due at t0 + i / rate */
		for (i = 0, off = 0; i < s.n; ) {
			goal = (size_t)((corpus_now() - t0) * rate) + 1;
			if (goal > s.n)
				goal = s.n;
			for (j = i; j < goal; j++)
				if (alerts != NULL && s.probe[j] >= 0) {
					goal = j + 1;
					sent[s.probe[j]] = corpus_now();
					break;
				}
			if (goal > i) {
				if (write_all(fd, s.buf + off,
				    s.end[goal - 1] - off) == -1)
					return (1);
				off = s.end[goal - 1];
				i = goal;
				continue;
			}
			next = t0 + i / rate;
			if (next > corpus_now() + TICK)
				next = corpus_now() + TICK;
			corpus_sleep_until(next);
		}
	}
	t1 = corpus_now();
	close(fd);

	printf("messages %zu bytes %zu start %.6f end %.6f", s.n, s.len, t0,
	    t1);
	if (alerts != NULL) {
		while (atomic_load(&t.nseen) < t.nprobes &&
		    corpus_now() < t1 + wait)
			corpus_sleep_until(corpus_now() + 0.001);
		atomic_store(&t.stop, 1);
		pthread_join(th, NULL);
		if ((lat = calloc(t.nprobes + 1, sizeof(*lat))) == NULL)
			return (1);
		for (k = 0, j = 0; k < t.nprobes; k++) {
			if (t.seen[k] > 0 && sent[k] > 0)
				lat[j++] = (t.seen[k] - sent[k]) * 1e6;
			if (verbose)
				fprintf(stderr, "probe %ld sent %.6f latency %.1f\n",
				    k, sent[k] - t0, t.seen[k] > 0 ?
				    (t.seen[k] - sent[k]) * 1e6 : -1);
		}
		qsort(lat, j, sizeof(*lat), cmp_double);
		printf(" probes %ld seen %zu", t.nprobes, j);
		if (j > 0)
			printf(" p50 %.1f p99 %.1f max %.1f",
			    lat[(j - 1) / 2], lat[(size_t)((j - 1) * 0.99)],
			    lat[j - 1]);
	}
	printf("\n");
	return (0);
}
