/* signetd: htab (to be written) */
#include "config.h"
