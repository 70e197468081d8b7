/*
 * udp_send: send the lines of a corpus as datagrams, one message each, at
 * a steady rate for a given time.
 *
 *	udp_send -r rate -d seconds host port file
 *
 * Datagram i is due at t0 + i / rate. On a 100 µs tick (clock_nanosleep,
 * absolute CLOCK_MONOTONIC) what is due goes out with sendmmsg(2) in
 * batches of up to BATCH, so the stream is smooth at the scale at which a
 * receive buffer fills. Lines are sent in order and the corpus is only
 * started again when it runs out. Lines too long for a datagram are
 * skipped.
 *
 * Output, one line on stdout: sent N seconds S rate R
 * (R is what was achieved: below the rate asked for, the sender was the
 * bottleneck and the step says nothing about the receiver).
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"

#define BATCH		64
#define DGRAM_MAX	65507
#define TICK		0.0001

static int
dial(const char *host, const char *port)
{
	struct addrinfo	 hints, *res;
	int		 fd, e, sz = 8 << 20;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "udp_send: %s: %s\n", host, gai_strerror(e));
		return (-1);
	}
	if ((fd = socket(res->ai_family, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, res->ai_addr, res->ai_addrlen) == -1) {
		fprintf(stderr, "udp_send: %s:%s: %s\n", host, port,
		    strerror(errno));
		freeaddrinfo(res);
		return (-1);
	}
	freeaddrinfo(res);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return (fd);
}

int
main(int argc, char *argv[])
{
	struct corpus	 c;
	struct mmsghdr	 mm[BATCH];
	struct iovec	 iov[BATCH];
	double		 rate = 0, secs = 0, t0, next;
	size_t		 line = 0, sent = 0, due, total, k;
	int		 ch, fd, n;

	while ((ch = getopt(argc, argv, "r:d:")) != -1) {
		switch (ch) {
		case 'r':
			rate = atof(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 || rate <= 0 || secs <= 0)
		goto usage;
	total = (size_t)(rate * secs);
	if (corpus_load(&c, argv[2], total) == -1 || c.nlines == 0)
		return (1);
	if ((fd = dial(argv[0], argv[1])) == -1)
		return (1);
	memset(mm, 0, sizeof(mm));
	t0 = corpus_now();
	while (sent < total) {
		due = (size_t)((corpus_now() - t0) * rate) + 1;
		if (due > total)
			due = total;
		if (due <= sent) {
			next = t0 + sent / rate;
			if (next > corpus_now() + TICK)
				next = corpus_now() + TICK;
			corpus_sleep_until(next);
			continue;
		}
		for (k = 0; k < BATCH && sent + k < due; k++) {
			while (c.linelen[line] > DGRAM_MAX)
				line = (line + 1) % c.nlines;
			iov[k].iov_base = c.line[line];
			iov[k].iov_len = c.linelen[line];
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
			line = (line + 1) % c.nlines;
		}
		if ((n = sendmmsg(fd, mm, k, 0)) == -1) {
			if (errno == EINTR || errno == ENOBUFS ||
			    errno == EAGAIN || errno == ECONNREFUSED)
				continue;
			fprintf(stderr, "udp_send: sendmmsg: %s\n",
			    strerror(errno));
			return (1);
		}
		sent += n;
	}
	secs = corpus_now() - t0;
	printf("sent %zu seconds %.6f rate %.0f\n", sent, secs, sent / secs);
	close(fd);
	corpus_free(&c);
	return (0);

usage:
	fprintf(stderr, "usage: udp_send -r rate -d seconds host port file\n");
	return (2);
}
