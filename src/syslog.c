/* signetd: syslog (to be written) */
#include "config.h"
