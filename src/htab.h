#ifndef SIGNETD_HTAB_H
#define SIGNETD_HTAB_H
#endif
