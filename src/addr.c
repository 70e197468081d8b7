/* signetd: addr (to be written) */
#include "config.h"
