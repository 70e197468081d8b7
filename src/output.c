/*
 * signetd: the core alert outputs, stdout and files, each writing JSON
 * lines or text lines. An alert is rendered once per format it is needed
 * in, into buffers the outputs object owns and reuses, then written to
 * every output of that format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "alert.h"
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "output.h"
#include "xmalloc.h"

/*
 * Files get a buffer of their own, larger than stdio's default of one
 * block, so a replay writes in few system calls; the caller flushes after
 * each batch of input so that live alerts do not wait in it.
 */
#define OUTPUT_FILE_BUFSZ	65536

struct output {
	char			*name;
	enum output_type	 type;
	enum output_format	 format;
	char			*path;
	FILE			*fp;
	char			*iobuf;
	struct output_stats	 stats;
};

struct outputs {
	struct output	*v;
	size_t		 n;
	int		 want_json;
	int		 want_text;
	struct buf	 json;
	struct buf	 text;
};

static int	output_open(struct output *, const struct conf_output *,
		    char *, size_t);
static void	output_close(struct output *);
static void	output_write(struct output *, const struct buf *);
static void	outputs_emit_cb(void *, const struct alert *);

/*
 * stdout needs no setup: C11 7.21.3 makes it fully buffered when it is not
 * an interactive device, and glibc and the BSDs line-buffer it when it is
 * a terminal, which is the behaviour we want. Calling setvbuf() here would
 * be wrong besides: it is only allowed before the first write, and
 * outputs_new() runs again on every reload.
 */
static int
output_open(struct output *o, const struct conf_output *co, char *err,
    size_t errlen)
{
	o->name = xstrdup(co->name != NULL ? co->name : "");
	o->type = co->type;
	o->format = co->format;
	switch (co->type) {
	case OUT_STDOUT:
		o->fp = stdout;
		return (0);
	case OUT_FILE:
		break;
	default:
		snprintf(err, errlen, "output %s: unknown type %d", o->name,
		    (int)co->type);
		return (-1);
	}
	if (co->path == NULL || co->path[0] == '\0') {
		snprintf(err, errlen, "output %s: no file path", o->name);
		return (-1);
	}
	o->path = xstrdup(co->path);
	if ((o->fp = fopen(o->path, "a")) == NULL) {
		snprintf(err, errlen, "output %s: cannot open %s: %s",
		    o->name, o->path, strerror(errno));
		return (-1);
	}
	o->iobuf = xmalloc(OUTPUT_FILE_BUFSZ);
	if (setvbuf(o->fp, o->iobuf, _IOFBF, OUTPUT_FILE_BUFSZ) != 0) {
		free(o->iobuf);
		o->iobuf = NULL;
	}
	return (0);
}

/*
 * Close a file (never stdout, which only gets flushed) and free. Callers
 * that want the last write errors counted call outputs_flush() first; a
 * failure here can only be logged.
 */
static void
output_close(struct output *o)
{
	if (o->fp != NULL && o->fp != stdout) {
		if (fclose(o->fp) == EOF)
			log_warn("output %s: closing %s", o->name, o->path);
	} else if (o->fp != NULL)
		(void)fflush(o->fp);
	free(o->iobuf);
	free(o->path);
	free(o->name);
}

struct outputs *
outputs_new(const struct conf *conf, char *err, size_t errlen)
{
	struct outputs	*os;
	size_t		 i;

	os = xcalloc(1, sizeof(*os));
	buf_init(&os->json);
	buf_init(&os->text);
	if (conf->noutputs > 0)
		os->v = xcalloc(conf->noutputs, sizeof(*os->v));
	for (i = 0; i < conf->noutputs; i++) {
		os->n = i + 1;
		if (output_open(&os->v[i], &conf->outputs[i], err,
		    errlen) == -1) {
			outputs_free(os);
			return (NULL);
		}
		if (os->v[i].format == FMT_JSON)
			os->want_json = 1;
		else
			os->want_text = 1;
	}
	return (os);
}

void
outputs_free(struct outputs *os)
{
	size_t	i;

	if (os == NULL)
		return;
	for (i = 0; i < os->n; i++)
		output_close(&os->v[i]);
	free(os->v);
	buf_clear(&os->json);
	buf_clear(&os->text);
	free(os);
}

/*
 * One line to one output. A short write is counted as an error and the
 * stream's error flag cleared, so the next failure is seen and counted
 * too rather than hidden behind the first.
 */
static void
output_write(struct output *o, const struct buf *b)
{
	if (fwrite(b->p, 1, b->len, o->fp) != b->len) {
		o->stats.errors++;
		clearerr(o->fp);
		return;
	}
	o->stats.written++;
}

void
outputs_emit(struct outputs *os, const struct alert *a)
{
	struct output	*o;
	size_t		 i;

	if (os->want_json) {
		buf_reset(&os->json);
		alert_json(a, &os->json);
		buf_addc(&os->json, '\n');
	}
	if (os->want_text) {
		buf_reset(&os->text);
		alert_text(a, &os->text);
		buf_addc(&os->text, '\n');
	}
	for (i = 0; i < os->n; i++) {
		o = &os->v[i];
		output_write(o, o->format == FMT_JSON ? &os->json : &os->text);
	}
}

/* Flush every output; -1 if any failed (each failure is counted). */
int
outputs_flush(struct outputs *os)
{
	size_t	i;
	int	rv = 0;

	for (i = 0; i < os->n; i++) {
		if (fflush(os->v[i].fp) == EOF) {
			os->v[i].stats.errors++;
			clearerr(os->v[i].fp);
			rv = -1;
		}
	}
	return (rv);
}

static void
outputs_emit_cb(void *arg, const struct alert *a)
{
	outputs_emit(arg, a);
}

void
outputs_sink(struct outputs *os, struct alert_sink *sink)
{
	sink->emit = outputs_emit_cb;
	sink->arg = os;
}

size_t
outputs_count(const struct outputs *os)
{
	return (os->n);
}

const char *
outputs_name(const struct outputs *os, size_t i)
{
	if (i >= os->n)
		return (NULL);
	return (os->v[i].name);
}

const struct output_stats *
outputs_stats(const struct outputs *os, size_t i)
{
	if (i >= os->n)
		return (NULL);
	return (&os->v[i].stats);
}
