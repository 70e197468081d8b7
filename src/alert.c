/* signetd: alert (to be written) */
#include "config.h"
