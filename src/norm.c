/* signetd: norm (to be written) */
#include "config.h"
