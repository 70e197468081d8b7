/*
 * signetd: the live daemon (see daemon.h).
 *
 * One event_base. Listeners hand messages to the pipeline as they are
 * read; alerts are written at once and the outputs flushed once per loop
 * iteration in which something was written (an event made active by the
 * first alert), so a burst costs one flush and a lone alert is not held
 * back; within a long read, alerts that have waited DAEMON_FLUSH_AGE are
 * written between two messages. Between the rules and the outputs sits
 * the enrich stage (allowlists, GeoIP, severity). A periodic tick runs
 * bounded expiry; another logs what was dropped since the last one.
 * SIGTERM or SIGINT stops accepting, processes what connections have
 * buffered, sends what the rules still count, lets the network outputs
 * deliver (or spool) what they hold for at most stop_timeout, and exits
 * 0; a second signal cuts that short. SIGUSR1 logs the counters, the
 * metrics first: the numbers that [metrics] listen serves over HTTP
 * (metrics.h). SIGHUP reopens the output files, for logrotate, and
 * reloads the configuration file, all or nothing (see daemon_reload());
 * the rules keep their state.
 */
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "daemon.h"
#include "engine.h"
#include "enrich.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "output.h"
#include "pipeline.h"
#include "priv.h"
#include "siphash.h"
#include "xmalloc.h"

/* µs an alert may wait in an output's buffer while messages are read. */
#define DAEMON_FLUSH_AGE	250

struct daemon {
	struct conf		*conf;		/* owned; a reload replaces it */
	struct event_base	*base;
	struct outputs		*out;
	struct enrich		*enrich;
	struct engine		*engine;
	struct pipeline		*pipe;
	struct listeners	*lis;
	struct metrics		*metrics;
	struct event		*ev_term;
	struct event		*ev_int;
	struct event		*ev_usr1;
	struct event		*ev_hup;
	struct event		*ev_tick;
	struct event		*ev_stats;
	struct event		*ev_flush;
	struct event		*ev_watchdog;
	struct event		*ev_snap;	/* state_file saves */
	struct event		*ev_chld;
	pid_t			 snap_child;	/* a save in progress */
	uint64_t		 saves;
	uint64_t		 save_failures;
	uint64_t		 skipped[SKIP_NREASONS];	/* at last summary */
	uint64_t		 late;
	uint64_t		 clamped;
	uint64_t		 il_late;
	uint64_t		 il_untracked;
	uint64_t		 evicted;
	int64_t			 start;		/* wall clock, µs */
	int			 stopping;
};

static int64_t
daemon_clock(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static struct timeval
daemon_tv(int64_t us)
{
	struct timeval	 tv;

	tv.tv_sec = us / 1000000;
	tv.tv_usec = us % 1000000;
	return (tv);
}

/* Alerts go out at once; the flush waits for the end of this iteration. */
static void
daemon_emit_cb(void *arg, const struct alert *a)
{
	struct daemon	*d = arg;

	outputs_emit(d->out, a);
	if (!event_pending(d->ev_flush, EV_TIMEOUT, NULL))
		event_active(d->ev_flush, EV_TIMEOUT, 0);
}

static void
daemon_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)outputs_flush(d->out);
}

/*
 * After each live message: alerts that have waited DAEMON_FLUSH_AGE µs
 * are written to the files at once, though the read they came with goes
 * on. A TCP backlog is read 1 MiB at a time, milliseconds of decoding,
 * and its alerts would otherwise wait for the end of it
 * (daemon_flush_cb, which still syncs spools and starts network sends).
 * A bulk sender with many alerts pays one write per DAEMON_FLUSH_AGE.
 */
static void
daemon_after_cb(void *arg, int64_t now)
{
	struct daemon	*d = arg;

	(void)outputs_flush_due(d->out, now, DAEMON_FLUSH_AGE);
}

static void
daemon_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	notify_watchdog();
}

static void
daemon_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	engine_tick(d->engine, daemon_clock(), d->conf->expire_budget);
}

/* What the rules dropped or evicted since the last summary. */
static void
daemon_stats_state(struct daemon *d)
{
	const struct imageload_stats	*is;
	const struct engine_stats	*es = engine_stats(d->engine);

	is = engine_imageload_stats(d->engine);
	if (is->late > d->il_late)
		log_warnx("dropped %llu image loads in the last interval "
		    "(window already reported)",
		    (unsigned long long)(is->late - d->il_late));
	if (is->untracked > d->il_untracked)
		log_warnx("could not keep %llu imageload groups in the last "
		    "interval (memory share)",
		    (unsigned long long)(is->untracked - d->il_untracked));
	if (es->over_budget > d->evicted)
		log_warnx("evicted %llu state entries in the last interval "
		    "(state_memory)",
		    (unsigned long long)(es->over_budget - d->evicted));
	d->il_late = is->late;
	d->il_untracked = is->untracked;
	d->evicted = es->over_budget;
}

/* The line systemctl status shows. */
static void
daemon_status(struct daemon *d)
{
	const struct pipeline_stats	*ps = pipeline_stats(d->pipe);

	notify_status("%llu messages, %llu records, %llu skipped",
	    (unsigned long long)ps->messages,
	    (unsigned long long)ps->records,
	    (unsigned long long)pipeline_skipped(d->pipe));
}

/* One line per reason that dropped something since the last summary. */
static void
daemon_stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon			*d = arg;
	const struct pipeline_stats	*ps = pipeline_stats(d->pipe);
	const struct engine_stats	*es = engine_stats(d->engine);
	uint64_t			 late = 0, n;
	int				 i;

	for (i = 0; i < SKIP_NREASONS; i++) {
		/* Framing drops are summed up per listener, below. */
		if (i == SKIP_TOO_LONG || i == SKIP_BAD_FRAME ||
		    i == SKIP_EMPTY)
			continue;
		if ((n = ps->skipped[i] - d->skipped[i]) > 0)
			log_warnx("dropped %llu records in the last interval "
			    "(%s)", (unsigned long long)n,
			    skip_reason_name(i));
		d->skipped[i] = ps->skipped[i];
	}
	for (i = 0; i < REC_NKINDS; i++)
		late += es->late[i];
	if (late > d->late)
		log_warnx("dropped %llu records in the last interval (late)",
		    (unsigned long long)(late - d->late));
	if (es->clamped > d->clamped)
		log_warnx("clamped %llu future timestamps in the last interval",
		    (unsigned long long)(es->clamped - d->clamped));
	d->late = late;
	d->clamped = es->clamped;
	daemon_stats_state(d);
	listeners_log_drops(d->lis);
	daemon_status(d);
}

/* What the metrics are read from, at each scrape or report. */
static void
daemon_metrics_cb(void *arg, struct metrics_sources *src)
{
	struct daemon	*d = arg;

	src->pipe = d->pipe;
	src->engine = d->engine;
	src->enrich = d->enrich;
	src->out = d->out;
	src->lis = d->lis;
	src->state_memory = d->conf->state_memory;
	src->state_file = d->conf->state_file != NULL;
	src->saves = d->saves;
	src->save_failures = d->save_failures;
	src->start = d->start;
	src->now = daemon_clock();
}

static void
daemon_print_stats(struct daemon *d)
{
	const struct pipeline_stats	*ps = pipeline_stats(d->pipe);
	const struct listen_stats	*ls;
	struct metrics_sources		 src;
	size_t				 i;

	memset(&src, 0, sizeof(src));
	daemon_metrics_cb(d, &src);
	metrics_print(&src, stderr);
	fprintf(stderr, "signetd: messages %llu records %llu decoded %llu "
	    "skipped %llu bytes %llu\n", (unsigned long long)ps->messages,
	    (unsigned long long)ps->records,
	    (unsigned long long)pipeline_decoded(d->pipe),
	    (unsigned long long)pipeline_skipped(d->pipe),
	    (unsigned long long)ps->bytes);
	pipeline_print_stats(d->pipe, stderr);
	engine_print_stats(d->engine, stderr);
	enrich_print_stats(d->enrich, stderr);
	for (i = 0; i < listeners_count(d->lis); i++) {
		ls = listeners_stats(d->lis, i);
		fprintf(stderr, "signetd: listen %s: messages %llu bytes %llu "
		    "accepted %llu active %llu refused_allow %llu "
		    "refused_limit %llu idle_closed %llu handshake_failed %llu "
		    "closed_mid_frame %llu datagrams %llu truncated %llu "
		    "kernel_drops %llu too_long %llu bad_frame %llu\n",
		    listeners_name(d->lis, i),
		    (unsigned long long)ls->messages,
		    (unsigned long long)ls->bytes,
		    (unsigned long long)ls->accepted,
		    (unsigned long long)ls->active,
		    (unsigned long long)(ls->refused_allow +
		    ls->refused_datagrams),
		    (unsigned long long)ls->refused_limit,
		    (unsigned long long)ls->idle_closed,
		    (unsigned long long)ls->handshake_failed,
		    (unsigned long long)ls->closed_mid_frame,
		    (unsigned long long)ls->datagrams,
		    (unsigned long long)ls->truncated,
		    (unsigned long long)ls->kernel_drops,
		    (unsigned long long)ls->too_long,
		    (unsigned long long)ls->bad_frame);
	}
	outputs_print_stats(d->out, stderr);
	if (d->conf->state_file != NULL)
		fprintf(stderr, "signetd: state_file: saves %llu failures "
		    "%llu\n", (unsigned long long)d->saves,
		    (unsigned long long)d->save_failures);
}

static void
daemon_usr1_cb(evutil_socket_t fd, short what, void *arg)
{
	daemon_print_stats(arg);
}

/*
 * Options of cf that need a restart are set back to the running values;
 * each is logged as a warning, as it means an edit not in force yet.
 */
static void
daemon_keep_running(struct daemon *d, struct conf *cf)
{
	FILE	*fp;
	char	*buf = NULL, *line, *next;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL) {
		(void)conf_keep_running(cf, d->conf, stderr);
		return;
	}
	(void)conf_keep_running(cf, d->conf, fp);
	fclose(fp);
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		log_warnx("%s", line);
	}
	free(buf);
}

/*
 * What the daemon writes after the privilege drop must be writable by
 * the user it runs as: the directory of state_file (a save makes a
 * temporary file there and renames it) and each spool (new segments, the
 * index). Said now rather than at the first save minutes later, or when
 * a peer first fails: a spool created by root for a daemon that then
 * runs as another user would lose every alert it was meant to keep.
 * A reload is refused on the same grounds, for a spool it adds.
 */
static int
daemon_check_dir(const char *dir, const char *what, const char *user,
    int made)
{
	char	*copy;
	int	 rv;

	if (access(dir, W_OK | X_OK) == 0)
		return (0);
	/* A spool a reload adds is made then, in its parent. */
	if (errno == ENOENT && made) {
		copy = xstrdup(dir);
		rv = access(dirname(copy), W_OK | X_OK);
		free(copy);
		if (rv == 0)
			return (0);
	}
	log_warnx("%s: directory %s is not writable%s%s: %s", what, dir,
	    user != NULL ? " by user " : "", user != NULL ? user : "",
	    strerror(errno));
	return (-1);
}

static int
daemon_check_writable(const struct conf *cf)
{
	char	*copy, what[256];
	size_t	 i;
	int	 rv = 0;

	if (cf->state_file != NULL) {
		copy = xstrdup(cf->state_file);
		if (daemon_check_dir(dirname(copy), "state_file",
		    cf->user, 0) == -1)
			rv = -1;
		free(copy);
	}
	for (i = 0; i < cf->noutputs; i++) {
		if (cf->outputs[i].spool == NULL)
			continue;
		snprintf(what, sizeof(what), "output %s: spool",
		    cf->outputs[i].name);
		if (daemon_check_dir(cf->outputs[i].spool, what,
		    cf->user, 1) == -1)
			rv = -1;
	}
	return (rv);
}

/*
 * The new configuration, read and checked as signetd -t does (each
 * problem on stderr as file:line), with the options that need a restart
 * set back to their running values; NULL if it has errors.
 */
static struct conf *
daemon_reload_read(struct daemon *d, const char *file)
{
	struct conf	*cf = conf_new();

	if (conf_load(cf, file, stderr) > 0 ||
	    outputs_check(cf, stderr) > 0) {
		conf_free(cf);
		return (NULL);
	}
	daemon_keep_running(d, cf);
	return (cf);
}

/* The timers whose interval a reload may change. */
static void
daemon_retime(struct daemon *d, const struct conf *cf)
{
	struct timeval	 tv;

	if (cf->tick != d->conf->tick) {
		tv = daemon_tv(cf->tick);
		event_del(d->ev_tick);
		event_add(d->ev_tick, &tv);
	}
	if (cf->stats_interval != d->conf->stats_interval) {
		tv = daemon_tv(cf->stats_interval);
		event_del(d->ev_stats);
		event_add(d->ev_stats, &tv);
	}
	if (d->ev_snap != NULL &&
	    cf->snapshot_interval != d->conf->snapshot_interval) {
		tv = daemon_tv(cf->snapshot_interval);
		event_del(d->ev_snap);
		event_add(d->ev_snap, &tv);
	}
}

/*
 * Nothing can fail any more: swap the new configuration in. Outputs
 * first, so that what removed listeners still hold is processed into
 * the new set; then the rules' options, the timers, and the old
 * configuration goes (nothing points into it now: every component
 * copied what it keeps).
 */
static void
daemon_reload_commit(struct daemon *d, struct conf *cf,
    struct outputs_next *on, struct listeners_next *ln)
{
	outputs_commit(d->out, on, cf->stop_timeout);
	listeners_commit(d->lis, ln);
	engine_reconf(d->engine, cf);
	daemon_retime(d, cf);
	/* A metrics address that cannot be bound keeps the old one. */
	(void)metrics_reload(d->metrics, cf);
	conf_free(d->conf);
	d->conf = cf;
}

/*
 * Reload the configuration file, all or nothing. It is read and checked
 * in full; then everything it needs is made beside what runs (outputs
 * opened, listeners bound, allowlists and GeoIP databases loaded), and
 * only when all of that worked is it swapped in. On any error what runs
 * stays as it is. Returns 0, or -1 when the old configuration stays.
 */
static int
daemon_reload(struct daemon *d)
{
	struct conf		*cf;
	struct outputs_next	*on = NULL;
	struct listeners_next	*ln = NULL;
	char			*file, err[512];

	if (d->conf->file == NULL) {
		log_notice("SIGHUP: no configuration file, nothing to reload");
		return (0);
	}
	file = xstrdup(d->conf->file);
	if ((cf = daemon_reload_read(d, file)) == NULL ||
	    daemon_check_writable(cf) == -1)
		goto fail;
	if ((on = outputs_prepare(d->out, cf, err, sizeof(err))) == NULL ||
	    (ln = listeners_prepare(d->lis, d->conf, cf, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", file, err);
		goto fail;
	}
	/* The last step that may fail; it swaps its tables in itself. */
	if (enrich_reload(d->enrich, cf, stderr) == -1)
		goto fail;
	daemon_reload_commit(d, cf, on, ln);
	log_notice("reload: %s: new configuration in force", file);
	free(file);
	return (0);
fail:
	outputs_abort(on);
	listeners_abort(ln);
	conf_free(cf);
	log_warnx("reload: %s has errors; nothing changed", file);
	free(file);
	return (-1);
}

/*
 * SIGHUP: output files are reopened, so that logrotate can move them
 * away; then the configuration is reloaded. Not while stopping: the
 * stop drains with the configuration it started with.
 */
static void
daemon_hup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;

	if (d->stopping) {
		log_notice("SIGHUP: stopping, not reloading");
		return;
	}
	/* The reload starts here ... */
	notify_reloading();
	log_notice("SIGHUP: reopening output files");
	outputs_reopen(d->out);
	(void)daemon_reload(d);
	notify_ready("reloaded");
	/* ... and ends here, whether it took effect or not. */
}

static int64_t
daemon_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/*
 * Write the rules' state to state_file and log its size and the time
 * since t0: in the child of a periodic save, or in the daemon itself at
 * stop and when no child can be forked (the loop waits for it then).
 * A failure keeps the previous file.
 */
static int
daemon_state_write(struct daemon *d, int64_t t0, const char *how)
{
	uint64_t	 size = 0;
	int64_t		 us;

	if (engine_save(d->engine, d->conf->state_file, &size) == -1)
		return (-1);
	us = daemon_mono() - t0;
	log_notice("state: saved %s: %llu bytes in %lld.%03lld s%s",
	    d->conf->state_file, (unsigned long long)size,
	    (long long)(us / 1000000), (long long)(us / 1000 % 1000), how);
	return (0);
}

static void
daemon_state_count(struct daemon *d, int ok)
{
	if (ok) {
		d->saves++;
		return;
	}
	d->save_failures++;
	log_warnx("state: saving %s failed (%llu of %llu saves); the previous "
	    "file is kept", d->conf->state_file,
	    (unsigned long long)d->save_failures,
	    (unsigned long long)(d->saves + d->save_failures));
}

static int
daemon_state_save(struct daemon *d)
{
	int	 rv = daemon_state_write(d, daemon_mono(), "");

	daemon_state_count(d, rv == 0);
	return (rv);
}

/* Whether the background save ended, and how. */
static void
daemon_state_reap(struct daemon *d)
{
	pid_t	 pid;
	int	 status;

	if (d->snap_child <= 0)
		return;
	while ((pid = waitpid(d->snap_child, &status, WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (pid == 0)
		return;
	d->snap_child = 0;
	daemon_state_count(d, pid > 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
}

/*
 * At stop, or when the daemon goes: a background save still running is
 * killed, not waited for. The stop saves the state itself, from the
 * same memory and newer; a child stuck on a slow disk would otherwise
 * hold the stop past stop_timeout, and a second signal could not cut it
 * short. What the child left in the temporary file the next save
 * truncates.
 */
static void
daemon_state_cancel(struct daemon *d)
{
	if (d->snap_child <= 0)
		return;
	(void)kill(d->snap_child, SIGKILL);
	while (waitpid(d->snap_child, NULL, 0) == -1 && errno == EINTR)
		;
	d->snap_child = 0;
	log_notice("state: background save cancelled");
}

static void
daemon_chld_cb(evutil_socket_t fd, short what, void *arg)
{
	daemon_state_reap(arg);
}

/*
 * The child of a periodic save, before it touches anything. libevent's
 * signal handlers are still installed and write to the socket pair the
 * parent reads: a SIGINT from the terminal to the process group, or any
 * signal sent to the child, would reach the parent a second time (the
 * second SIGINT of a stop cuts the drain short). They go back to their
 * defaults, and are unblocked only then. The child dies with the parent:
 * orphaned, it would keep the listening sockets bound (a restarted
 * daemon could not bind them) and write the temporary file the next
 * daemon writes too. It needs none of the daemon's descriptors but
 * stderr: the listening and client sockets, the metrics server and the
 * outputs are closed, so that a peer the daemon hangs up on sees it now,
 * not when the save ends. fatal() leaves with _exit() here, so the stdio
 * buffers of file outputs shared with the parent are not flushed twice.
 */
static void
daemon_snap_child(pid_t parent, const sigset_t *old)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
				    SIGCHLD };
	size_t			 i;

	log_child();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)signal(sigs[i], SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(1);
#ifdef HAVE_CLOSE_RANGE
	(void)close_range(STDERR_FILENO + 1, ~0U, 0);
#endif
	(void)sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * Periodic save, in a child process: fork() gives it a copy-on-write
 * image of the state as it is now, which it writes out and fsyncs while
 * the loop goes on; the loop pauses only for the fork, which copies the
 * page tables (24 to 48 ms for 230 MiB of state on the test machine).
 * The child touches nothing but the state and the file, and leaves with
 * _exit(), so no output is flushed twice. If the last
 * save is still running this one is skipped; if fork fails, the save is
 * made in this process.
 */
static void
daemon_snap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	sigset_t	 all, old;
	int64_t		 t0;
	pid_t		 pid, parent;

	daemon_state_reap(d);
	if (d->snap_child > 0) {
		log_warnx("state: the previous save is still running; this one "
		    "is skipped");
		return;
	}
	t0 = daemon_mono();
	parent = getpid();
	sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) == -1) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		log_warn("state: fork; saving in the foreground");
		(void)daemon_state_save(d);
		return;
	}
	if (pid == 0) {
		daemon_snap_child(parent, &old);
		_exit(daemon_state_write(d, t0, " (in the background)") == 0 ?
		    0 : 1);
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	d->snap_child = pid;
}

/*
 * Load state_file before any listener accepts. A bad file leaves the
 * engine holding part of it: it is replaced by an empty one.
 */
static int
daemon_state_load(struct daemon *d, const struct alert_sink *sink,
    const struct sipkey *sk)
{
	const struct conf		*cf = d->conf;
	struct timeval			 tv = daemon_tv(cf->snapshot_interval);
	const struct netjoin_stats	*ns;
	int64_t				 t0 = daemon_mono(), us;

	if (cf->state_file == NULL)
		return (0);
	switch (engine_restore(d->engine, cf->state_file, daemon_clock())) {
	case 1:
		us = daemon_mono() - t0;
		ns = engine_netjoin_stats(d->engine);
		log_notice("state: loaded %s in %lld.%03lld s: %llu keys, %llu "
		    "groups, %llu processes, %llu imageload windows",
		    d->conf->state_file, (long long)(us / 1000000),
		    (long long)(us / 1000 % 1000), (unsigned long long)ns->keys,
		    (unsigned long long)ns->groups,
		    (unsigned long long)ns->procs, (unsigned long long)
		    engine_imageload_stats(d->engine)->windows);
		break;
	case -1:
		pipeline_free(d->pipe);
		engine_free(d->engine);
		d->engine = engine_new(d->conf, sink, sk);
		d->pipe = pipeline_new(d->engine, d->conf->max_message);
		break;
	}
	d->ev_snap = event_new(d->base, -1, EV_PERSIST, daemon_snap_cb, d);
	d->ev_chld = evsignal_new(d->base, SIGCHLD, daemon_chld_cb, d);
	if (d->ev_snap == NULL || event_add(d->ev_snap, &tv) == -1 ||
	    d->ev_chld == NULL || event_add(d->ev_chld, NULL) == -1)
		return (-1);
	return (0);
}

/*
 * Graceful stop: no new input, what is buffered is processed, the rules
 * send what they still count, the outputs are flushed; this much is
 * synchronous. With a state_file the rules' state is saved instead of
 * sent: open windows and suppressed counts carry over the restart rather
 * than go out early and then again. If that save fails they are sent.
 * Then the loop ends, and daemon_run() lets the network outputs drain
 * within stop_timeout; a second signal ends that drain.
 */
static void
daemon_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	if (d->stopping) {
		log_notice("signal %d: stopping now", (int)sig);
		event_base_loopbreak(d->base);
		return;
	}
	d->stopping = 1;
	notify_stopping();
	log_notice("signal %d: stopping", (int)sig);
	/*
	 * The drain runs this loop again: no periodic save may follow the
	 * one below, nor a tick age the state it holds (counts the tick
	 * sent would be sent again after the restart).
	 */
	event_del(d->ev_tick);
	if (d->ev_snap != NULL)
		event_del(d->ev_snap);
	listeners_stop(d->lis);
	listeners_drain(d->lis);
	daemon_state_cancel(d);
	if (d->conf->state_file == NULL || daemon_state_save(d) == -1)
		engine_flush(d->engine, daemon_clock());
	(void)outputs_flush(d->out);
	event_base_loopbreak(d->base);
}

static int
daemon_events(struct daemon *d)
{
	struct timeval	 tick = daemon_tv(d->conf->tick);
	struct timeval	 stats = daemon_tv(d->conf->stats_interval);
	struct timeval	 wdtv;
	int64_t		 wd;

	d->ev_term = evsignal_new(d->base, SIGTERM, daemon_stop_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, daemon_stop_cb, d);
	d->ev_usr1 = evsignal_new(d->base, SIGUSR1, daemon_usr1_cb, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, daemon_hup_cb, d);
	d->ev_tick = event_new(d->base, -1, EV_PERSIST, daemon_tick_cb, d);
	d->ev_stats = event_new(d->base, -1, EV_PERSIST, daemon_stats_cb, d);
	d->ev_flush = event_new(d->base, -1, 0, daemon_flush_cb, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_usr1 == NULL ||
	    d->ev_hup == NULL || d->ev_tick == NULL || d->ev_stats == NULL ||
	    d->ev_flush == NULL)
		return (-1);
	if ((wd = notify_watchdog_interval()) > 0) {
		wdtv = daemon_tv(wd);
		d->ev_watchdog = event_new(d->base, -1, EV_PERSIST,
		    daemon_watchdog_cb, d);
		if (d->ev_watchdog == NULL ||
		    event_add(d->ev_watchdog, &wdtv) == -1)
			return (-1);
	}
	if (event_add(d->ev_term, NULL) == -1 ||
	    event_add(d->ev_int, NULL) == -1 ||
	    event_add(d->ev_usr1, NULL) == -1 ||
	    event_add(d->ev_hup, NULL) == -1 ||
	    event_add(d->ev_tick, &tick) == -1 ||
	    event_add(d->ev_stats, &stats) == -1)
		return (-1);
	return (0);
}

static void
daemon_free(struct daemon *d)
{
	struct event	*evs[] = { d->ev_term, d->ev_int, d->ev_usr1,
			    d->ev_hup, d->ev_tick, d->ev_stats, d->ev_flush,
			    d->ev_watchdog, d->ev_snap, d->ev_chld };
	size_t		 i;

	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i] != NULL)
			event_free(evs[i]);
	metrics_free(d->metrics);
	daemon_state_cancel(d);
	listeners_free(d->lis);
	pipeline_free(d->pipe);
	engine_free(d->engine);
	enrich_free(d->enrich);
	outputs_free(d->out);
	if (d->base != NULL)
		event_base_free(d->base);
	conf_free(d->conf);
}

/* Build everything, or say what failed. */
static int
daemon_init(struct daemon *d, struct conf *cf)
{
	struct alert_sink	 sink = { daemon_emit_cb, d };
	struct sipkey		 sk;
	char			 err[512];
	size_t			 i;

	d->conf = cf;
	if (priv_check(cf->user, cf->allow_root, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return (-1);
	}
	if ((d->base = event_base_new()) == NULL) {
		log_warnx("cannot create the event loop");
		return (-1);
	}
	if ((d->out = outputs_new(cf, d->base, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return (-1);
	}
	/* The rules send to the enrich stage, which sends to the outputs. */
	if ((d->enrich = enrich_new(cf, &sink, stderr)) == NULL)
		return (-1);
	enrich_sink(d->enrich, &sink);
	siphash_random_key(&sk);
	d->engine = engine_new(cf, &sink, &sk);
	d->pipe = pipeline_new(d->engine, cf->max_message);
	if (daemon_events(d) == -1 || daemon_state_load(d, &sink, &sk) == -1) {
		log_warnx("cannot set up the event loop");
		return (-1);
	}
	pipeline_set_after(d->pipe, daemon_after_cb, d);
	d->lis = listeners_new(d->base, cf, d->pipe, daemon_clock, err,
	    sizeof(err));
	if (d->lis == NULL) {
		log_warnx("%s", err);
		return (-1);
	}
	/* A metrics port that cannot be bound stops the start too. */
	d->metrics = metrics_new(d->base, cf, daemon_metrics_cb, d, err,
	    sizeof(err));
	if (d->metrics == NULL) {
		log_warnx("%s", err);
		return (-1);
	}
	for (i = 0; i < listeners_count(d->lis); i++)
		log_notice("listening: %s: %s", listeners_name(d->lis, i),
		    listeners_describe(d->lis, i));
	/* Everything that needs root is open: give it up. */
	if (priv_drop(cf->user, cf->allow_root, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return (-1);
	}
	if (cf->user != NULL)
		log_notice("running as user %s", cf->user);
	if (daemon_check_writable(cf) == -1)
		return (-1);
	return (0);
}

/* Run the daemon on configuration cf, which it owns from now on. */
int
daemon_run(struct conf *cf)
{
	struct daemon	 d;
	int64_t		 us;
	int		 rv = 1;

	memset(&d, 0, sizeof(d));
	d.start = daemon_clock();
	signal(SIGPIPE, SIG_IGN);
	if (daemon_init(&d, cf) == 0) {
		notify_ready("running");
		(void)event_base_dispatch(d.base);
		us = outputs_drain(d.out, d.conf->stop_timeout);
		log_notice("outputs drained in %lld.%03lld s%s",
		    (long long)(us / 1000000), (long long)(us / 1000 % 1000),
		    outputs_settled(d.out) ? "" : " (stop_timeout reached)");
		daemon_print_stats(&d);
		rv = 0;
	}
	daemon_free(&d);
	return (rv);
}
