#ifndef SIGNETD_ENGINE_H
#define SIGNETD_ENGINE_H
#endif
