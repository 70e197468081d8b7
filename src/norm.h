/*
 * signetd: field mapping of the detection spec (sections 1, 2 and 8):
 * from the decoder's flat field view to one struct rec.
 */
#ifndef SIGNETD_NORM_H
#define SIGNETD_NORM_H

#include "json.h"
#include "rec.h"

int	norm_record(const struct fields *, struct rec *, enum skip_reason *);

#endif
