/* signetd: siphash (to be written) */
#include "config.h"
