/*
 * signetd: names of record kinds, sources and skip reasons, as they appear
 * in counters and metrics.
 */
#include "config.h"
#include "rec.h"

static const char *const skip_names[SKIP_NREASONS] = {
	"not_json",
	"bad_syslog",
	"too_deep",
	"too_long",
	"empty",
	"bad_frame",
	"unknown_source",
	"ignored",
	"missing_field",
	"bad_field",
	"bad_time"
};

static const char *const kind_names[REC_NKINDS] = {
	"cert", "proc", "net", "load"
};

static const char *const source_names[SRC_NSOURCES] = {
	"mde", "sysmon"
};

const char *
skip_reason_name(enum skip_reason r)
{
	return ((unsigned)r < SKIP_NREASONS ? skip_names[r] : "?");
}

const char *
rec_kind_name(enum rec_kind k)
{
	return ((unsigned)k < REC_NKINDS ? kind_names[k] : "?");
}

const char *
rec_source_name(enum rec_source s)
{
	return ((unsigned)s < SRC_NSOURCES ? source_names[s] : "?");
}
