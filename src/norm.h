#ifndef SIGNETD_NORM_H
#define SIGNETD_NORM_H
#endif
