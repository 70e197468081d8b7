/* signetd: tstamp (to be written) */
#include "config.h"
