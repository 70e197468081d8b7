/*
 * signetd: detect MITRE ATT&CK T1036.001 (invalid code signature) in
 * Windows telemetry as it streams in. Entry point: options, configuration,
 * then either a replay of a file or the daemon.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "enrich.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "pipeline.h"
#include "replay.h"
#include "siphash.h"


struct opts {
	const char	*conffile;
	const char	*replay;
	int		 test;
	int		 verbose;
};

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: signetd [-tv] [-c file] [--replay file|-]\n");
	exit(1);
}

static int64_t
wallclock_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void
main_options(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "replay",	required_argument,	NULL,	'R' },
		{ "help",	no_argument,		NULL,	'h' },
		{ NULL,		0,			NULL,	0 }
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:htv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conffile = optarg;
			break;
		case 't':
			o->test = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'R':
			o->replay = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* The configuration: the file named with -c, else the embedded defaults. */
static struct conf *
main_config(const struct opts *o)
{
	struct conf	*cf = conf_new();

	if (o->conffile == NULL)
		return (cf);
	if (conf_load(cf, o->conffile, stderr) > 0 ||
	    outputs_check(cf, stderr) > 0) {
		conf_free(cf);
		return (NULL);
	}
	return (cf);
}

/*
 * The metrics in their log form (the numbers a scrape of the daemon
 * would show), then the summary lines.
 */
static void
main_report(const struct replay_stats *rs, struct pipeline *p,
    struct engine *e, const struct enrich *en, struct outputs *out,
    const struct conf *cf, int64_t start, int64_t drain)
{
	const struct pipeline_stats	*ps = pipeline_stats(p);
	struct metrics_sources		 src;

	memset(&src, 0, sizeof(src));
	src.pipe = p;
	src.engine = e;
	src.enrich = en;
	src.out = out;
	src.state_memory = cf->state_memory;
	src.start = start;
	src.now = wallclock_us();
	metrics_print(&src, stderr);
	fprintf(stderr, "signetd: replay: lines %llu messages %llu "
	    "records %llu decoded %llu skipped %llu bytes %llu\n",
	    (unsigned long long)rs->lines,
	    (unsigned long long)ps->messages,
	    (unsigned long long)ps->records,
	    (unsigned long long)pipeline_decoded(p),
	    (unsigned long long)pipeline_skipped(p),
	    (unsigned long long)rs->bytes);
	pipeline_print_stats(p, stderr);
	engine_print_stats(e, stderr);
	enrich_print_stats(en, stderr);
	fprintf(stderr, "signetd: drain: %" PRId64 ".%03" PRId64 " s%s\n",
	    drain / 1000000, drain / 1000 % 1000, outputs_settled(out) ? "" :
	    " (stop_timeout reached)");
	outputs_print_stats(out, stderr);
}

/*
 * --replay: the whole file through the pipeline, then the outputs drain
 * (delivered or spooled, within stop_timeout), and a report.
 */
static int
main_replay(const struct opts *o, const struct conf *cf)
{
	struct event_base	*base;
	struct outputs		*out;
	struct enrich		*en;
	struct engine		*e;
	struct pipeline		*p;
	struct alert_sink	 sink;
	struct replay_stats	 rs;
	struct sipkey		 sk;
	char			 err[512];
	int64_t			 drain, start = wallclock_us();
	int			 rv;

	if (strcmp(o->replay, "-") != 0 && access(o->replay, R_OK) == -1) {
		log_warn("replay: %s", o->replay);
		return (1);
	}
	/* A peer of a network output that goes away must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		return (1);
	}
	if ((out = outputs_new(cf, base, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		event_base_free(base);
		return (1);
	}
	outputs_sink(out, &sink);
	if ((en = enrich_new(cf, &sink, stderr)) == NULL) {
		outputs_free(out);
		event_base_free(base);
		return (1);
	}
	enrich_sink(en, &sink);
	siphash_random_key(&sk);
	e = engine_new(cf, &sink, &sk);
	p = pipeline_new(e, cf->max_message);
	rv = replay_run(o->replay, p, cf->max_message, wallclock_us, &rs);
	engine_flush(e, wallclock_us());
	if (outputs_flush(out) == -1)
		rv = -1;
	drain = outputs_drain(out, cf->stop_timeout);
	main_report(&rs, p, e, en, out, cf, start, drain);
	pipeline_free(p);
	engine_free(e);
	enrich_free(en);
	outputs_free(out);
	event_base_free(base);
	return (rv == 0 ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct conf	*cf;
	int		 rv;

	main_options(argc, argv, &o);
	log_init(o.verbose, "signetd");
	if ((cf = main_config(&o)) == NULL)
		return (1);
	if (o.test) {
		/* What -t says goes to stderr: -tv dumps a config on stdout. */
		rv = enrich_test(cf, stderr);
		if (rv == 0 && o.verbose)
			conf_dump(cf, stdout);
		if (rv == 0)
			fprintf(stderr, "configuration OK\n");
		conf_free(cf);
		return (rv == 0 ? 0 : 1);
	}
	if (o.replay == NULL)
		return (daemon_run(cf));	/* it owns cf: a reload replaces it */
	rv = main_replay(&o, cf);
	conf_free(cf);
	return (rv);
}
