/* signetd: engine (to be written) */
#include "config.h"
