/* signetd: output (to be written) */
#include "config.h"
