/* signetd: netjoin (to be written) */
#include "config.h"
