/* signetd: frame (to be written) */
#include "config.h"
