#ifndef SIGNETD_JSON_H
#define SIGNETD_JSON_H
#endif
