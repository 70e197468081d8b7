/* signetd: intern (to be written) */
#include "config.h"
