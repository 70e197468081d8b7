#ifndef SIGNETD_INTERN_H
#define SIGNETD_INTERN_H
#endif
