/* signetd: pipeline (to be written) */
#include "config.h"
