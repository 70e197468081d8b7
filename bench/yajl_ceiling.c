/*
 * yajl_ceiling: the parse rate of yajl's callback API over a corpus of one
 * JSON value per line, the ceiling signetd's replay is compared with.
 *
 * It does what a decoder cannot avoid and nothing more: read the file in
 * 1 MiB blocks (as --replay does), cut lines, hand each line to yajl and
 * count. The handle is configured as signetd's decoder configures its own
 * (one handle for the whole stream, yajl_allow_multiple_values,
 * yajl_dont_validate_strings), so the ceiling is yajl's best case, not a
 * straw man. Every callback is set, so yajl does its full tokenizing work.
 *
 * Records are counted as signetd counts them: a top-level map is one
 * record, except an envelope {"records":[...]} whose array elements are.
 *
 * Output, one line on stdout: lines N records N bytes N seconds S
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_parse.h>

#define BLOCK	(1024 * 1024)

struct count {
	unsigned long long	 lines;
	unsigned long long	 records;
	unsigned long long	 bad;
	unsigned long long	 tokens;
	int			 depth;
	int			 records_key;	/* last depth-1 key was "records" */
	int			 in_records;	/* inside that array */
	int			 envelope;	/* this top-level map had it */
};

static int
c_scalar(void *arg)
{
	struct count	*c = arg;

	c->tokens++;
	return (1);
}

static int
c_null(void *arg)
{
	return (c_scalar(arg));
}

static int
c_bool(void *arg, int b)
{
	return (c_scalar(arg));
}

static int
c_number(void *arg, const char *s, size_t n)
{
	return (c_scalar(arg));
}

static int
c_string(void *arg, const unsigned char *s, size_t n)
{
	struct count	*c = arg;

	c->records_key = 0;
	return (c_scalar(arg));
}

static int
c_key(void *arg, const unsigned char *s, size_t n)
{
	struct count	*c = arg;

	c->tokens++;
	c->records_key = c->depth == 1 && n == 7 &&
	    memcmp(s, "records", 7) == 0;
	return (1);
}

static int
c_start_map(void *arg)
{
	struct count	*c = arg;

	c->tokens++;
	c->depth++;
	if (c->depth == 1)
		c->envelope = 0;
	else if (c->depth == 3 && c->in_records)
		c->records++;
	return (1);
}

static int
c_end_map(void *arg)
{
	struct count	*c = arg;

	c->tokens++;
	if (c->depth == 1 && !c->envelope)
		c->records++;
	c->depth--;
	return (1);
}

static int
c_start_array(void *arg)
{
	struct count	*c = arg;

	c->tokens++;
	c->depth++;
	if (c->depth == 2 && c->records_key) {
		c->in_records = 1;
		c->envelope = 1;
	}
	c->records_key = 0;
	return (1);
}

static int
c_end_array(void *arg)
{
	struct count	*c = arg;

	c->tokens++;
	if (c->depth == 2)
		c->in_records = 0;
	c->depth--;
	return (1);
}

static const yajl_callbacks callbacks = {
	c_null, c_bool, NULL, NULL, c_number, c_string,
	c_start_map, c_key, c_end_map, c_start_array, c_end_array
};

static yajl_handle
handle_new(struct count *c)
{
	yajl_handle	 h;

	if ((h = yajl_alloc(&callbacks, NULL, c)) == NULL) {
		fprintf(stderr, "yajl_ceiling: yajl_alloc failed\n");
		exit(1);
	}
	yajl_config(h, yajl_allow_multiple_values, 1);
	yajl_config(h, yajl_dont_validate_strings, 1);
	return (h);
}

/* One line; a line yajl refuses gets a fresh handle, as in signetd. */
static yajl_handle
parse_line(yajl_handle h, struct count *c, const char *p, size_t n)
{
	c->lines++;
	c->depth = 0;
	c->in_records = 0;
	c->records_key = 0;
	if (yajl_parse(h, (const unsigned char *)p, n) != yajl_status_ok ||
	    c->depth != 0) {
		c->bad++;
		yajl_free(h);
		h = handle_new(c);
	}
	return (h);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char *argv[])
{
	struct count	 c;
	yajl_handle	 h;
	char		*buf, *p, *nl;
	size_t		 cap = 2 * BLOCK, len = 0, off;
	unsigned long long bytes = 0;
	ssize_t		 n;
	double		 t0;
	int		 fd;

	if (argc != 2) {
		fprintf(stderr, "usage: yajl_ceiling file\n");
		return (2);
	}
	if ((fd = open(argv[1], O_RDONLY)) == -1) {
		fprintf(stderr, "yajl_ceiling: %s: %s\n", argv[1],
		    strerror(errno));
		return (1);
	}
	if ((buf = malloc(cap)) == NULL)
		return (1);
	memset(&c, 0, sizeof(c));
	t0 = now();
	h = handle_new(&c);
	for (;;) {
		if (cap - len < BLOCK) {
			/* a line longer than a block: grow */
			cap *= 2;
			if ((buf = realloc(buf, cap)) == NULL)
				return (1);
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "yajl_ceiling: read: %s\n",
			    strerror(errno));
			return (1);
		}
		if (n == 0)
			break;
		bytes += n;
		len += n;
		for (off = 0, p = buf;
		    (nl = memchr(p, '\n', len - off)) != NULL;
		    p = nl + 1, off = p - buf)
			if (nl > p)
				h = parse_line(h, &c, p, nl - p);
		memmove(buf, buf + off, len - off);
		len -= off;
	}
	if (len > 0)
		h = parse_line(h, &c, buf, len);
	yajl_free(h);
	printf("lines %llu records %llu bytes %llu bad %llu tokens %llu "
	    "seconds %.6f\n", c.lines, c.records, bytes, c.bad, c.tokens,
	    now() - t0);
	free(buf);
	close(fd);
	return (0);
}
