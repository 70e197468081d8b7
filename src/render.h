/*
 * signetd: the renderings of an alert that network outputs need besides
 * alert_json() and alert_text(): Slack and Teams webhook bodies, CEF and
 * LEEF lines for SIEMs, and the RFC 5424 / RFC 3164 syslog header.
 */
#ifndef SIGNETD_RENDER_H
#define SIGNETD_RENDER_H

#include <stddef.h>

#include "alert.h"

struct buf;

/* What the syslog header takes besides the alert. */
struct render_syslog {
	int		 rfc3164;
	int		 facility;	/* 0 to 23 */
	const char	*hostname;	/* printable ASCII, no blank */
	const char	*app_name;
	long		 pid;
};

void	render_slack(const struct alert *, struct buf *);
void	render_teams(const struct alert *, struct buf *);
void	render_cef(const struct alert *, struct buf *);
void	render_leef(const struct alert *, struct buf *);
void	render_syslog_head(const struct alert *, const struct render_syslog *,
	    struct buf *);
int	render_syslog_pri(int, enum severity);

/* The escapers, for the tests. */
void	render_cef_header_str(struct buf *, const char *, size_t);
void	render_cef_ext_str(struct buf *, const char *, size_t);
void	render_leef_str(struct buf *, const char *, size_t);
void	render_sd_str(struct buf *, const char *, size_t);
void	render_mrkdwn_str(struct buf *, const char *, size_t, size_t);

#endif
