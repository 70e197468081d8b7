/* signetd: rec (to be written) */
#include "config.h"
