/* signetd: imageload (to be written) */
#include "config.h"
